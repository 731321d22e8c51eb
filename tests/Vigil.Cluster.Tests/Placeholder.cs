namespace Vigil.Cluster.Tests;
