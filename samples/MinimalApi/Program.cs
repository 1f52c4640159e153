// A plain minimal API with no Fastsocket code: see README.md here for running it on Fastsocket.NET.
WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
WebApplication app = builder.Build();

app.MapGet("/", () => "Hello from a minimal API");

app.MapPost("/echo", async (HttpContext context) =>
{
    context.Response.ContentType = context.Request.ContentType ?? "application/octet-stream";
    await context.Request.Body.CopyToAsync(context.Response.Body, context.RequestAborted);
});

app.MapGet("/chunked", async (HttpContext context) =>
{
    // No Content-Length and a flush per part: the response goes out with chunked transfer coding.
    context.Response.ContentType = "text/plain";
    for (int i = 1; i <= 5; i++)
    {
        await context.Response.WriteAsync($"part {i}\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }
});

app.Run();
