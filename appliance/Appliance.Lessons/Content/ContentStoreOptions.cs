namespace Appliance.Lessons.Content;

/// <summary>Where the lesson copies live and how much room they may take.</summary>
/// <param name="Root">The folder: <c>blobs/</c> and <c>content.db</c> are created in it.</param>
/// <param name="QuotaBytes">Most bytes all stored bodies may take together (each distinct body counted once).</param>
public sealed record ContentStoreOptions(string Root, long QuotaBytes);
