using Appliance.Lessons.Content;
using Appliance.Lessons.Fetch;

namespace Appliance.Lessons.Tests.Content;

public sealed class ContentStoreTests
{
    [Fact]
    public async Task Fetch_QuotaFull_StopsTheLessonAndDamagesNothingStored()
    {
        using var bed = new LessonTestBed(quotaBytes: 1000);
        bed.Site.Text("a.txt", "text/plain", new string('a', 100));
        bed.Site.Text("b.html", "text/html", "<img src=1.png><img src=2.png><img src=3.png><img src=4.png>");
        for (var i = 1; i <= 4; i++)
        {
            bed.Site.File($"{i}.png", "image/png", [.. SampleSite.Png, .. new byte[300], (byte)i]);
        }

        await bed.FetchAsync("a", null, "a.txt");
        var before = bed.Store.Resources("a");

        var report = await bed.FetchAsync("b", null, "b.html");

        var failed = report.Items.Single(i => i.Url.AbsolutePath == "/3.png");
        Assert.Matches(@"^storage quota full \(\d+/1000 bytes\)$", failed.Problem);
        Assert.Contains(report.Items, i => i.Outcome == FetchOutcome.Skipped && i.Problem!.StartsWith("not fetched: storage quota full", StringComparison.Ordinal));
        Assert.True(bed.Store.UsedBytes <= 1000);
        Assert.Equal(before, bed.Store.Resources("a"));
        Assert.All(before, r => Assert.True(bed.Store.IsIntact(r.BlobHash)));
        Assert.Empty(bed.IncomingFiles());
    }

    [Fact]
    public async Task Evict_OtherLessons_RemovesTheirRowsAndUnsharedBlobsOnly()
    {
        using var bed = new LessonTestBed();
        bed.Site.File("shared.png", "image/png", SampleSite.Png);
        bed.Site.File("only-a.png", "image/png", [.. SampleSite.Png, 0xAA]);
        await bed.FetchAsync("a", null, "shared.png", "only-a.png");
        await bed.FetchAsync("b", null, "shared.png");
        var shared = bed.Store.Resources("b").Single().BlobHash;
        var onlyA = bed.Store.Resources("a").Single(r => r.Url.EndsWith("only-a.png", StringComparison.Ordinal)).BlobHash;

        var result = bed.Store.Evict(new HashSet<string> { "b" });

        Assert.Equal(new EvictionResult(2, 1, SampleSite.Png.Length + 1), result);
        Assert.Empty(bed.Store.Resources("a"));
        Assert.Null(bed.Store.LoadReport("a"));
        Assert.NotNull(bed.Store.LoadReport("b"));
        Assert.True(File.Exists(bed.Store.BlobPath(shared)));
        Assert.False(File.Exists(bed.Store.BlobPath(onlyA)));
        Assert.Equal(SampleSite.Png.Length, bed.Store.UsedBytes);

        bed.Store.Evict(new HashSet<string>());

        Assert.Equal(0, bed.Store.UsedBytes);
        Assert.Empty(bed.BlobFiles());
    }

    [Fact]
    public async Task Fetch_DiskFullWhileWriting_RemovesTheTempFileAndLeavesTheIndexAsItWas()
    {
        var diskFull = false;
        using var bed = new LessonTestBed(createTemp: path =>
        {
            var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
            return diskFull ? new FullDiskStream(file, allowBytes: 4) : file;
        });
        bed.Site.Text("a.txt", "text/plain", "first lesson");
        bed.Site.Text("b.txt", "text/plain", "second lesson, on a full disk");
        bed.Site.Text("c.txt", "text/plain", "never asked for");
        await bed.FetchAsync("a", null, "a.txt");
        var before = bed.Store.Resources("a");
        var used = bed.Store.UsedBytes;
        diskFull = true;

        var report = await bed.FetchAsync("b", null, "b.txt", "c.txt");

        Assert.Equal(FetchOutcome.Failed, report.Items[0].Outcome);
        Assert.Equal("the box could not write its copy (No space left on device)", report.Items[0].Problem);
        Assert.Equal("not fetched: the box could not write its copy (No space left on device)", report.Items[1].Problem);
        Assert.Empty(bed.IncomingFiles());
        Assert.Empty(bed.Store.Resources("b"));
        Assert.Equal(before, bed.Store.Resources("a"));
        Assert.Equal(used, bed.Store.UsedBytes);
    }

    [Fact]
    public async Task OpenVerified_BlobChangedOnDisk_IsMissingAndFetchedAgain()
    {
        using var bed = new LessonTestBed();
        bed.Site.Text("p.txt", "text/plain", "the real text", ("Cache-Control", "max-age=3600"));
        await bed.FetchAsync("d", null, "p.txt");
        var hash = bed.Store.Resources("d").Single().BlobHash;
        File.WriteAllText(bed.Store.BlobPath(hash), "the real texT");

        var mirror = new Appliance.Lessons.Mirror.LessonMirror(bed.Store, _ => new("d", "t", "w", []));
        var served = mirror.Resolve("d", $"http/127.0.0.1:{bed.Site.Port}/p.txt", null);
        var read = bed.Store.OpenVerified(hash);
        var again = await bed.FetchAsync("d", null, "p.txt");

        Assert.Equal("the stored copy was damaged on disk and has been removed", Assert.IsType<Appliance.Lessons.Mirror.MirrorResult.NotFound>(served).Reason);
        Assert.Null(read.Content);
        Assert.Equal("the stored copy is missing", read.Problem);
        // Fresh by its headers, but the copy is gone: fetched again rather than "still fresh".
        Assert.Equal(FetchOutcome.Fetched, again.Items.Single().Outcome);
        Assert.True(bed.Store.IsIntact(hash));
    }

    [Fact]
    public async Task ReceiveAsync_SameBodyTwice_IsStoredOnce()
    {
        using var bed = new LessonTestBed();
        async Task<string> Store(string text)
        {
            using var pending = await bed.Store.ReceiveAsync(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)), 100, CancellationToken.None);
            return bed.Store.Commit(pending);
        }

        var first = await Store("same");
        var second = await Store("same");

        Assert.Equal(first, second);
        Assert.Single(bed.BlobFiles());
        Assert.Equal(4, bed.Store.UsedBytes);
        Assert.Empty(bed.IncomingFiles());
    }

    /// <summary>A file stream that fails like a full disk (ENOSPC) after a few bytes.</summary>
    private sealed class FullDiskStream(FileStream inner, long allowBytes) : Stream
    {
        private long _written;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _written;

        public override long Position { get => _written; set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (_written + count > allowBytes)
            {
                throw new IOException("No space left on device");
            }

            inner.Write(buffer, offset, count);
            _written += count;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.ToArray(), 0, buffer.Length);
            return ValueTask.CompletedTask;
        }

        protected override void Dispose(bool disposing)
        {
            inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
