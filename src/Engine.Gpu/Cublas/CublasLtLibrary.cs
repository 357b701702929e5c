using System.Reflection;
using System.Runtime.InteropServices;
using Precision.Orleans.Engine.Backends;

namespace Precision.Orleans.Engine.Gpu.Cublas;

/// <summary>
/// Finds libcublasLt: the file named by PRECISION_CUBLASLT, else the CUDA toolkit's folders, else the pip wheels of a
/// Python environment (nvidia/cu13/lib, nvidia/cublas/lib), else the loader's own search. A missing library is one
/// line naming what was searched.
/// </summary>
public static class CublasLtLibrary
{
    public const string EnvironmentVariable = "PRECISION_CUBLASLT";
    private static readonly string[] FileNames = ["libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so"];
    private static int s_resolverInstalled;

    /// <summary>Candidate paths in search order (existing or not).</summary>
    public static IEnumerable<string> Candidates()
    {
        var dirs = new List<string> { "/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib", "/usr/lib/x86_64-linux-gnu" };
        foreach (var root in new[] { "/opt", "/usr/local/lib", "/usr/lib" })
            if (Directory.Exists(root))
                foreach (var site in SafeEnumerate(root, "site-packages").Concat(SafeEnumerate(root, "dist-packages")))
                {
                    dirs.Add(Path.Combine(site, "nvidia", "cu13", "lib"));
                    dirs.Add(Path.Combine(site, "nvidia", "cublas", "lib"));
                }
        foreach (var dir in dirs)
            foreach (var name in FileNames)
                yield return Path.Combine(dir, name);
    }

    /// <summary>The library's path; a <see cref="ComputeDeviceUnavailableException"/> when none is found.</summary>
    public static string Locate()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } explicitPath)
            return File.Exists(explicitPath) ? explicitPath
                : throw new ComputeDeviceUnavailableException($"cuBLASLt: {EnvironmentVariable}={explicitPath} does not exist");
        foreach (var path in Candidates())
            if (File.Exists(path)) return path;
        throw new ComputeDeviceUnavailableException(
            $"cuBLASLt: libcublasLt.so not found in the CUDA toolkit or a Python environment's nvidia wheels; set {EnvironmentVariable} to its path");
    }

    /// <summary>Points this assembly's <c>[LibraryImport("cublasLt")]</c> at <see cref="Locate"/>'s file (once).</summary>
    public static void InstallResolver()
    {
        if (Interlocked.Exchange(ref s_resolverInstalled, 1) == 1) return;
        NativeLibrary.SetDllImportResolver(typeof(CublasLtLibrary).Assembly, (name, _, _) =>
            name == CublasLtNative.Library ? NativeLibrary.Load(Locate()) : IntPtr.Zero);
    }

    // site-packages folders up to four levels below root (e.g. /opt/torch/.venv/lib/python3.12/site-packages)
    private static IEnumerable<string> SafeEnumerate(string root, string name)
    {
        var found = new List<string>();
        void Walk(string dir, int depth)
        {
            if (depth > 5) return;
            string[] children;
            try { children = Directory.GetDirectories(dir); }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException) { return; }
            foreach (var child in children)
            {
                if (Path.GetFileName(child) == name) found.Add(child);
                else Walk(child, depth + 1);
            }
        }
        Walk(root, 0);
        return found;
    }
}
