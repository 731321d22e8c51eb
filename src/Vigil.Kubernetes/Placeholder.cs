namespace Vigil.Kubernetes;

internal static class Placeholder;
