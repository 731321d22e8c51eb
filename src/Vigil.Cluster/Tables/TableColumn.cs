namespace Vigil.Cluster.Tables;

/// <summary>A Table column definition (<c>columnDefinitions[]</c>); priority 1 columns appear only with <c>-o wide</c>.</summary>
public sealed record TableColumn(string Name, string Type, string Description, int Priority = 0, string Format = "");
