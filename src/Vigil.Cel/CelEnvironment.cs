namespace Vigil.Cel;

/// <summary>Placeholder until the CEL engine lands: declared variables and functions for compiling expressions.</summary>
public sealed class CelEnvironment;
