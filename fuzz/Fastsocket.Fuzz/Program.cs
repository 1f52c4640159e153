using Fastsocket.Fuzz;
using Fastsocket.Tests.Hardening;
using SharpFuzz;

// Under afl-fuzz: the SharpFuzz fork server runs every input through the whole-engine scenario; an exception that
// escapes is reported as a crash. Outside it: "--make-seeds DIR" writes the seed corpus, "--replay FILE..." runs
// saved inputs and prints what each one throws (for turning a crash into a regression test).
if (args.Length >= 2 && args[0] == "--make-seeds")
{
    int written = SeedCorpus.Write(args[1]);
    Console.WriteLine($"wrote {written} seeds to {args[1]}");
    return 0;
}
if (args.Length >= 2 && args[0] == "--replay")
{
    int failed = 0;
    foreach (string path in args.Skip(1))
    {
        try
        {
            FuzzScenario.Run(File.ReadAllBytes(path));
            Console.WriteLine($"ok    {path}");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            failed++;
            Console.WriteLine($"CRASH {path}\n{e}");
        }
    }
    return failed == 0 ? 0 : 1;
}

Fuzzer.Run(stream =>
{
    using var buffer = new MemoryStream();
    stream.CopyTo(buffer);
    FuzzScenario.Run(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
});
return 0;
