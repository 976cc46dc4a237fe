using System.Text;
using ChainRule.IO;

namespace ChainRule.Tests.IO;

public class AtomicFileTests
{
    [Fact]
    public void Write_creates_the_file_and_its_missing_directories()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "a", "b", "out.bin");

        AtomicFile.Write(path, stream => stream.Write([1, 2, 3]));

        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        Assert.Equal([Path.Combine("a", "b", "out.bin")], dir.Files());
    }

    [Fact]
    public void Write_replaces_an_existing_file()
    {
        using var dir = new TempDirectory();
        string path = dir.File("out.txt");
        File.WriteAllText(path, "a much longer old content");

        AtomicFile.WriteAllText(path, "new");

        Assert.Equal("new", File.ReadAllText(path));
        Assert.Equal(["out.txt"], dir.Files());
    }

    [Fact]
    public void Write_goes_through_a_temporary_file_in_the_target_directory()
    {
        using var dir = new TempDirectory();
        string path = dir.File("out.bin");
        File.WriteAllText(path, "old");
        string? tempPath = null;

        AtomicFile.Write(path, stream =>
        {
            tempPath = ((FileStream)stream).Name;
            stream.Write([42]);
            Assert.Equal("old", File.ReadAllText(path)); // the target is untouched until the rename
        });

        Assert.NotEqual(Path.GetFullPath(path), tempPath);
        Assert.Equal(Path.GetFullPath(dir.Path), Path.GetDirectoryName(tempPath));
        Assert.False(File.Exists(tempPath));
        Assert.Equal([42], File.ReadAllBytes(path));
    }

    [Fact]
    public void Write_leaves_the_original_untouched_and_no_temporary_file_when_the_writer_throws()
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.safetensors");
        File.WriteAllText(path, "original");

        var error = Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[100_000]);
            throw new InvalidOperationException("disk full halfway");
        }));

        Assert.Equal("disk full halfway", error.Message);
        Assert.Equal("original", File.ReadAllText(path));
        Assert.Equal(["model.safetensors"], dir.Files());
    }

    [Fact]
    public void Write_creates_nothing_when_the_writer_throws_and_there_was_no_file()
    {
        using var dir = new TempDirectory();

        Assert.Throws<IOException>(() => AtomicFile.Write(dir.File("new.bin"), _ => throw new IOException("boom")));

        Assert.Empty(dir.Files());
    }

    [Fact]
    public void WriteAllText_writes_UTF8_without_a_byte_order_mark_and_WriteAllBytes_writes_the_bytes()
    {
        using var dir = new TempDirectory();

        AtomicFile.WriteAllText(dir.File("t.txt"), "h\u00e9");
        AtomicFile.WriteAllBytes(dir.File("b.bin"), [0, 255]);

        Assert.Equal(Encoding.UTF8.GetBytes("h\u00e9"), File.ReadAllBytes(dir.File("t.txt")));
        Assert.Equal([0, 255], File.ReadAllBytes(dir.File("b.bin")));
    }
}
