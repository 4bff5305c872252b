namespace Appliance.TestSupport;

/// <summary>Polls a condition that another process or thread makes true, failing with a description after a timeout.</summary>
public static class Eventually
{
    public static async Task True(Func<bool> condition, TimeSpan timeout, Func<string> describe)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("timed out: " + describe());
            }

            await Task.Delay(50);
        }
    }

    /// <summary>The same for a condition that must be awaited (a process's output, an HTTP answer).</summary>
    public static async Task True(Func<Task<bool>> condition, TimeSpan timeout, Func<string> describe)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("timed out: " + describe());
            }

            await Task.Delay(50);
        }
    }
}
