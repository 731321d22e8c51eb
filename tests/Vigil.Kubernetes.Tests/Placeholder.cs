namespace Vigil.Kubernetes.Tests;
