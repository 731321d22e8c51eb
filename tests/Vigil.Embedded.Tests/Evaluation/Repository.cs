namespace Vigil.Embedded.Tests.Evaluation;

/// <summary>Paths in the repository the tests run from.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Vigil.slnx"))) return dir.FullName;
        throw new InvalidOperationException("the repository root (Vigil.slnx) was not found above " + AppContext.BaseDirectory);
    }
}
