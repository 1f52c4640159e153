using System.Reflection;
using System.Runtime.Loader;

/// <summary>
/// DOTNET_STARTUP_HOOKS=/path/to/Fastsocket.StartupHook.dll: runs before the app's Main and makes an unmodified
/// ASP.NET Core app load Fastsocket.AspNetCore as a hosting startup. The app does not reference Fastsocket, so the
/// hook resolves Fastsocket assemblies from FASTSOCKET_HOME (default: the hook's own folder) when the default load
/// context cannot find them, and adds Fastsocket.AspNetCore to ASPNETCORE_HOSTINGSTARTUPASSEMBLIES.
/// </summary>
internal static class StartupHook
{
    private const string HostingStartupVariable = "ASPNETCORE_HOSTINGSTARTUPASSEMBLIES";
    private const string AssemblyName = "Fastsocket.AspNetCore";

    public static void Initialize()
    {
        string home = Environment.GetEnvironmentVariable("FASTSOCKET_HOME") is { Length: > 0 } configured
            ? configured
            : Path.GetDirectoryName(typeof(StartupHook).Assembly.Location) ?? AppContext.BaseDirectory;
        AssemblyLoadContext.Default.Resolving += (context, name) => Resolve(context, name, home);

        string? current = Environment.GetEnvironmentVariable(HostingStartupVariable);
        if (string.IsNullOrWhiteSpace(current))
        {
            Environment.SetEnvironmentVariable(HostingStartupVariable, AssemblyName);
        }
        else if (!current.Split(';', StringSplitOptions.TrimEntries).Contains(AssemblyName, StringComparer.OrdinalIgnoreCase))
        {
            // The app already uses hosting startups: keep them and add ours.
            Environment.SetEnvironmentVariable(HostingStartupVariable, current + ";" + AssemblyName);
        }
    }

    /// <summary>Only Fastsocket's own assemblies, so the hook never shadows what the app ships.</summary>
    private static Assembly? Resolve(AssemblyLoadContext context, AssemblyName name, string home)
    {
        if (name.Name is null || !name.Name.StartsWith("Fastsocket", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        string path = Path.Combine(home, name.Name + ".dll");
        return File.Exists(path) ? context.LoadFromAssemblyPath(path) : null;
    }
}
