using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Vigil.Kubernetes.Configuration;

namespace Vigil.Kubernetes.Authentication;

/// <summary>Loads PEM certificates and keys as kubeconfig and exec plugins give them.</summary>
public static class PemCertificates
{
    /// <summary>A client certificate with its private key (RSA or EC, PKCS#1, SEC1 or PKCS#8).</summary>
    public static X509Certificate2 LoadClientCertificate(string certificatePem, string keyPem, string source)
    {
        try
        {
            using var ephemeral = X509Certificate2.CreateFromPem(certificatePem, keyPem);

            // Re-import so the key is usable by SslStream on every platform.
            return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
        }
        catch (CryptographicException exception)
        {
            throw new KubeConfigException(source, null, null, $"client certificate and key do not load: {exception.Message}", exception);
        }
        catch (ArgumentException exception)
        {
            throw new KubeConfigException(source, null, null, $"client certificate and key do not load: {exception.Message}", exception);
        }
    }

    /// <summary>Every certificate in a PEM bundle.</summary>
    public static X509Certificate2Collection LoadBundle(string pem, string source)
    {
        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPem(pem);
        }
        catch (CryptographicException exception)
        {
            throw new KubeConfigException(source, null, null, $"certificate authority does not load: {exception.Message}", exception);
        }

        if (collection.Count == 0)
        {
            throw new KubeConfigException(source, null, null, "certificate authority has no PEM certificate");
        }

        return collection;
    }
}
