using ChainRule.Data;

namespace ChainRule.Tests.Data;

public class CsvTests
{
    private const string Iris =
        """
        sepal_length,sepal_width,species
        5.1,3.5,setosa
        7.0,3.2,versicolor

        6.3,3.3,virginica
        4.9,3.0,setosa
        """;

    [Fact]
    public void Load_ReadsClassificationWithStringLabels_SortedIntoClassNames()
    {
        using var dir = new TempDirectory();
        string path = Write(dir, "iris.csv", Iris);

        Dataset d = Csv.Load(path);

        Assert.Equal("iris", d.Name);
        Assert.Equal(new Shape(4, 2), d.Features.Shape);
        Assert.Equal([5.1f, 3.5f, 7.0f, 3.2f, 6.3f, 3.3f, 4.9f, 3.0f], d.Features.ToArray());
        Assert.Equal(["setosa", "versicolor", "virginica"], d.ClassNames);
        Assert.Equal([0L, 1, 2, 0], d.Labels.ToArray<long>());
    }

    [Fact]
    public void Load_ReadsRegressionWhenTheTargetHasFractions()
    {
        using var dir = new TempDirectory();
        string path = Write(dir, "houses.csv", "rooms,area,price\n3,70.5,210.25\n4,88,305\n2,41,150.5\n");

        Dataset d = Csv.Load(path);

        Assert.False(d.IsClassification);
        Assert.Equal(new Shape(3, 2), d.Features.Shape);
        Assert.Equal([210.25f, 305, 150.5f], d.Labels.ToArray());
    }

    [Fact]
    public void Load_TreatsFewDistinctIntegersAsClasses_UnlessTheCallerForcesRegression()
    {
        using var dir = new TempDirectory();
        string path = Write(dir, "binary.csv", "x,y\n0.5,1\n1.5,-1\n2.5,1.0\n3.5,1\n");

        Dataset auto = Csv.Load(path);
        Dataset forced = Csv.Load(path, new CsvOptions { Target = TargetKind.Regression });

        Assert.Equal(["-1", "1"], auto.ClassNames); // numeric classes sort numerically; 1 and 1.0 are one class
        Assert.Equal([1L, 0, 1, 1], auto.Labels.ToArray<long>());
        Assert.Null(forced.ClassNames);
        Assert.Equal([1f, -1, 1, 1], forced.Labels.ToArray());
    }

    [Fact]
    public void Load_TreatsMoreThanMaxClassesIntegersAsRegression_UnlessForced()
    {
        using var dir = new TempDirectory();
        string path = Write(dir, "counts.csv", string.Join('\n', Enumerable.Range(0, 101).Select(i => $"{i % 7},{i * 3}")));

        Dataset auto = Csv.Load(path);
        Dataset few = Csv.Load(path, new CsvOptions { MaxClasses = 101 });
        Dataset forced = Csv.Load(path, new CsvOptions { Target = TargetKind.Classification });

        Assert.False(auto.IsClassification); // 101 distinct integers > 100
        Assert.Equal(101, auto.Count);       // all numeric: no header detected
        Assert.Equal(101, few.ClassNames!.Count);
        Assert.Equal("300", forced.ClassNames![100]);
    }

    [Fact]
    public void Load_DetectsWhetherTheFirstRowIsAHeader_OrTakesTheCallersWord()
    {
        using var dir = new TempDirectory();
        string noHeader = Write(dir, "plain.csv", "1,2,0\n3,4,1\n");
        string header = Write(dir, "named.csv", "a,b,label\n1,2,0\n3,4,1\n");

        Assert.Equal(2, Csv.Load(noHeader).Count);
        Assert.Equal(2, Csv.Load(header).Count);
        Assert.Equal(1, Csv.Load(noHeader, new CsvOptions { HasHeader = true }).Count);
        var e = Assert.Throws<DataFormatException>(() => Csv.Load(header, new CsvOptions { HasHeader = false }));
        Assert.Equal($"{header}: line 1, column 1: 'a' is not a number", e.Message);
    }

    [Fact]
    public void Load_TakesTheTargetByNameOrIndex()
    {
        using var dir = new TempDirectory();
        string path = Write(dir, "t.csv", "label,a,b\nyes,1,2\nno,3,4\n");

        Dataset byName = Csv.Load(path, new CsvOptions { TargetColumn = "label" });
        Dataset byIndex = Csv.Load(path, new CsvOptions { TargetIndex = 0 });
        Dataset fromEnd = Csv.Load(path, new CsvOptions { TargetIndex = -3 });

        Assert.Equal(["no", "yes"], byName.ClassNames);
        Assert.Equal([1L, 0], byName.Labels.ToArray<long>());
        Assert.Equal([1f, 2, 3, 4], byName.Features.ToArray());
        Assert.Equal(byName.Labels.ToArray<long>(), byIndex.Labels.ToArray<long>());
        Assert.Throws<DataFormatException>(() => Csv.Load(path)); // the last column is the target: 'yes' is a feature
        Assert.Equal(byName.Labels.ToArray<long>(), fromEnd.Labels.ToArray<long>());
        var missing = Assert.Throws<ArgumentException>(() => Csv.Load(path, new CsvOptions { TargetColumn = "class" }));
        Assert.Contains("no column named 'class'", missing.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Csv.Load(path, new CsvOptions { TargetIndex = 3 }));
        Assert.Throws<ArgumentException>(() => Csv.Load(path, new CsvOptions { TargetIndex = 0, TargetColumn = "label" }));
    }

    [Fact]
    public void Load_HonoursOtherSeparatorsAndQuotedCells()
    {
        using var dir = new TempDirectory();
        string tsv = Write(dir, "t.tsv", "a\tb\ty\n1.5\t2\tcat\n3\t4\tdog\n");
        string quoted = Write(dir, "q.csv", "\"width, cm\",\"y\"\n\"1.5\",\"big, \"\"red\"\"\"\n2,small\n");

        Dataset t = Csv.Load(tsv, new CsvOptions { Separator = '\t' });
        Dataset q = Csv.Load(quoted);

        Assert.Equal([1.5f, 2, 3, 4], t.Features.ToArray());
        Assert.Equal(["cat", "dog"], t.ClassNames);
        Assert.Equal([1.5f, 2], q.Features.ToArray());
        Assert.Equal(["big, \"red\"", "small"], q.ClassNames);
    }

    [Theory]
    [InlineData("1e39")]
    [InlineData("-3.5e38")]
    public void Load_ThrowsForANumberOutsideFloat32_InsteadOfStoringInfinity(string cell)
    {
        using var dir = new TempDirectory();
        string path = Write(dir, "iris.csv", Iris.Replace("6.3,3.3", "6.3," + cell, StringComparison.Ordinal));

        var e = Assert.Throws<DataFormatException>(() => Csv.Load(path));

        Assert.Equal($"{path}: line 5, column 2 ('sepal_width'): '{cell}' is outside the float32 range (±3.4e38)", e.Message);
    }

    [Fact]
    public void Load_ThrowsForANonNumericCell_NamingFileLineAndColumn()
    {
        using var dir = new TempDirectory();
        string path = Write(dir, "iris.csv", Iris.Replace("6.3,3.3", "6.3,abc", StringComparison.Ordinal));

        var e = Assert.Throws<DataFormatException>(() => Csv.Load(path));

        Assert.Equal($"{path}: line 5, column 2 ('sepal_width'): 'abc' is not a number", e.Message); // line 4 is blank
        Assert.Equal("line 5, column 2 ('sepal_width')", e.Location);
    }

    [Fact]
    public void Load_ThrowsForAWrongNumberOfCells_NamingFileAndLine()
    {
        using var dir = new TempDirectory();
        string path = Write(dir, "short.csv", "1,2,0\n3,1\n");

        var e = Assert.Throws<DataFormatException>(() => Csv.Load(path));

        Assert.Equal($"{path}: line 2: 2 cells, expected 3 as in line 1", e.Message);
    }

    [Fact]
    public void Load_ThrowsForEmptyCellsUnclosedQuotesAndEmptyFiles()
    {
        using var dir = new TempDirectory();
        string emptyFeature = Write(dir, "a.csv", "x,y\n1,2\n,3\n");
        string emptyTarget = Write(dir, "b.csv", "x,y\n1,2\n2,\n");
        string quote = Write(dir, "c.csv", "x,y\n1,\"2\n");
        string headerOnly = Write(dir, "d.csv", "x,y\n");
        string nothing = Write(dir, "e.csv", "\n\n");
        string regression = Write(dir, "f.csv", "x,y\n1,2.5\n2,high\n");

        Assert.StartsWith($"{emptyFeature}: line 3, column 1 ('x'): empty cell", Assert.Throws<DataFormatException>(() => Csv.Load(emptyFeature)).Message, StringComparison.Ordinal);
        Assert.StartsWith($"{emptyTarget}: line 3, column 2 ('y'): empty target cell", Assert.Throws<DataFormatException>(() => Csv.Load(emptyTarget)).Message, StringComparison.Ordinal);
        Assert.StartsWith($"{quote}: line 2: a quoted cell is not closed", Assert.Throws<DataFormatException>(() => Csv.Load(quote)).Message, StringComparison.Ordinal);
        Assert.Equal($"{headerOnly}: line 1: the file has a header but no data rows", Assert.Throws<DataFormatException>(() => Csv.Load(headerOnly)).Message);
        Assert.Equal($"{nothing}: line 1: the file has no rows", Assert.Throws<DataFormatException>(() => Csv.Load(nothing)).Message);
        Assert.Equal($"{regression}: line 3, column 2 ('y'): 'high' is not a number",
            Assert.Throws<DataFormatException>(() => Csv.Load(regression, new CsvOptions { Target = TargetKind.Regression })).Message);
        Assert.Throws<FileNotFoundException>(() => Csv.Load(dir.File("absent.csv")));
    }

    [Fact]
    public void Loaded_classification_splits_into_stratified_train_and_test()
    {
        using var dir = new TempDirectory();
        string rows = string.Join('\n', Enumerable.Range(0, 40).Select(i => $"{i},{(i % 4 == 0 ? "rare" : "common")}"));
        string path = Write(dir, "s.csv", "x,y\n" + rows);

        (Dataset train, Dataset test) = Csv.Load(path).Split(0.25, seed: 1);

        // "common" (class 0) has 30 rows, "rare" (class 1) 10: round(7.5) = 8 and round(2.5) = 3 go to test.
        Assert.Equal(["common", "rare"], train.ClassNames);
        Assert.Equal([22, 7], DatasetTests.ClassCounts(train, 2));
        Assert.Equal([8, 3], DatasetTests.ClassCounts(test, 2));
    }

    private static string Write(TempDirectory dir, string fileName, string content)
    {
        string path = dir.File(fileName);
        File.WriteAllText(path, content);
        return path;
    }
}
