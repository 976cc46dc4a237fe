using ChainRule.IO;

namespace ChainRule.Tests.IO;

// The manifest is the atomic step: a commit that dies anywhere leaves the previous checkpoint current; superseded and
// half-written checkpoints and stale temp files go; a manifest that is malformed or points outside is refused by name.
public class CheckpointDirectoryTests
{
    private static void Write(string folder, string text) => AtomicFile.WriteAllText(Path.Combine(folder, "a.txt"), text);

    [Fact]
    public void Commits_keep_the_last_two_and_the_manifest_names_the_newest()
    {
        using var dir = new TempDirectory();
        var run = new CheckpointDirectory(dir.Path);
        Assert.Null(run.ReadManifest());
        for (int epoch = 1; epoch <= 4; epoch++)
        {
            string folder = run.Commit(epoch, complete: epoch == 4, f => Write(f, $"epoch {epoch}"));
            Assert.Equal(Path.Combine(dir.Path, "checkpoints", $"epoch-{epoch:D4}"), folder);
        }
        CheckpointManifest m = run.ReadManifest()!;
        Assert.Equal((4, true, "checkpoints/epoch-0004"), (m.Epoch, m.Complete, m.Current));
        Assert.Equal(["checkpoints/epoch-0003", "checkpoints/epoch-0004"], m.History);
        Assert.Equal(["checkpoints/epoch-0003/a.txt", "checkpoints/epoch-0004/a.txt", "current.json"], dir.Files());
        Assert.Equal("epoch 4", File.ReadAllText(Path.Combine(run.CurrentFolder!, "a.txt")));
    }

    [Theory]
    [InlineData("files-written")]
    [InlineData("folder-renamed")]
    public void A_commit_that_dies_before_its_manifest_leaves_the_previous_checkpoint_current_and_the_next_commit_cleans_up(string stage)
    {
        using var dir = new TempDirectory();
        new CheckpointDirectory(dir.Path).Commit(1, false, f => Write(f, "one"));
        var dying = new CheckpointDirectory(dir.Path) { OnStage = s => { if (s == stage) { throw new OperationCanceledException(s); } } };
        Assert.Throws<OperationCanceledException>(() => dying.Commit(2, false, f => Write(f, "two")));
        File.WriteAllText(dir.File(".model.safetensors.0123456789abcdef0123456789abcdef.tmp"), "a killed AtomicFile write");

        var run = new CheckpointDirectory(dir.Path);
        Assert.Equal("checkpoints/epoch-0001", run.ReadManifest()!.Current);
        run.Commit(2, false, f => Write(f, "two again"));
        Assert.Equal(["checkpoints/epoch-0001/a.txt", "checkpoints/epoch-0002/a.txt", "current.json"], dir.Files());
        Assert.Equal("two again", File.ReadAllText(Path.Combine(run.CurrentFolder!, "a.txt")));
    }

    [Fact]
    public void A_fresh_run_into_an_older_runs_directory_never_overwrites_a_checkpoint_the_manifest_names()
    {
        using var dir = new TempDirectory();
        var run = new CheckpointDirectory(dir.Path);
        run.Commit(1, false, f => Write(f, "old 1"));
        run.Commit(2, true, f => Write(f, "old 2"));
        string folder = run.Commit(2, false, f => Write(f, "new 2"));
        Assert.EndsWith("epoch-0002-2", folder);
        Assert.Equal("new 2", File.ReadAllText(Path.Combine(run.CurrentFolder!, "a.txt")));
    }

    [Theory]
    [InlineData("{", "malformed JSON")]
    [InlineData("null", "empty")]
    [InlineData("{\"format\": \"other\", \"version\": 1}", "format 'other' version 1")]
    [InlineData("{\"format\": \"chainrule-checkpoints\", \"version\": 1, \"current\": \"checkpoints/epoch-0001\", \"epoch\": 0, \"history\": []}", "epoch 0 is not a completed epoch")]
    [InlineData("{\"format\": \"chainrule-checkpoints\", \"version\": 1, \"current\": \"/etc\", \"epoch\": 1, \"history\": [\"/etc\"]}", "'current' must name a folder checkpoints/epoch-NNNN, got '/etc'")]
    [InlineData("{\"format\": \"chainrule-checkpoints\", \"version\": 1, \"current\": \"checkpoints/epoch-0001\", \"epoch\": 1, \"history\": [\"checkpoints/../x\"]}", "'history' must list")]
    [InlineData("{\"format\": \"chainrule-checkpoints\", \"version\": 1, \"current\": \"checkpoints/epoch-0009\", \"epoch\": 9, \"history\": [\"checkpoints/epoch-0009\"]}", "its checkpoint 'checkpoints/epoch-0009' is missing")]
    [InlineData("{\"format\": \"chainrule-checkpoints\", \"version\": 1, \"epoch\": 1, \"history\": [null]}", "'current' must name a folder")]
    public void A_bad_manifest_is_refused_naming_the_file_and_the_problem(string json, string expected)
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("current.json"), json);
        var e = Assert.Throws<InvalidDataException>(() => new CheckpointDirectory(dir.Path).ReadManifest());
        Assert.StartsWith(dir.File("current.json") + ": ", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Mutated_manifests_are_refused_with_InvalidDataException_only()
    {
        using var dir = new TempDirectory();
        var run = new CheckpointDirectory(dir.Path);
        run.Commit(1, false, f => Write(f, "one"));
        byte[] valid = File.ReadAllBytes(run.ManifestPath);
        var random = new Random(7);
        for (int i = 0; i < 2000; i++)
        {
            byte[] bytes = [.. valid];
            for (int k = random.Next(1, 4); k > 0; k--)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }
            File.WriteAllBytes(run.ManifestPath, random.Next(4) == 0 ? bytes[..random.Next(bytes.Length)] : bytes);
            try
            {
                CheckpointManifest? m = run.ReadManifest();
                Assert.True(m is null || Directory.Exists(Path.Combine(dir.Path, m.Current)));
            }
            catch (InvalidDataException)
            {
            }
        }
    }

    [Fact]
    public void Only_one_writer_holds_the_lock()
    {
        using var dir = new TempDirectory();
        var run = new CheckpointDirectory(dir.Path);
        using (run.Lock())
        {
            var e = Assert.Throws<IOException>(() => run.Lock());
            Assert.Contains("in use by another training run", e.Message);
        }
        run.Lock().Dispose();
    }
}
