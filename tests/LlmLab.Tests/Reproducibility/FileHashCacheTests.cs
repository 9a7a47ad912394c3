using System.Text;
using LlmLab.Reproducibility;

namespace LlmLab.Tests.Reproducibility;

public sealed class FileHashCacheTests
{
    // FIPS 180-2, appendix B.1: SHA-256("abc").
    private const string AbcSha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    private static (FileHashCache Cache, string File) NewCacheAndFile(string content)
    {
        var dir = Fixtures.TempDir();
        var file = Path.Combine(dir, "model.safetensors");
        File.WriteAllText(file, content, new UTF8Encoding(false));
        return (new FileHashCache(Path.Combine(dir, "cache", "sha256.json")), file);
    }

    [Fact]
    public void The_hash_is_the_standard_sha256_of_the_file_bytes()
    {
        var (cache, file) = NewCacheAndFile("abc");

        Assert.Equal(AbcSha256, cache.Sha256(file));
    }

    [Fact]
    public void A_second_request_for_an_unchanged_file_is_answered_from_the_cache_file()
    {
        var (cache, file) = NewCacheAndFile("abc");
        cache.Sha256(file);

        var again = new FileHashCache(cache.Path); // a new process reads the same cache file

        Assert.Equal(AbcSha256, again.Sha256(file));
        Assert.Equal(0, again.FilesHashed);
    }

    [Fact]
    public void Touching_the_file_invalidates_its_cached_hash()
    {
        var (cache, file) = NewCacheAndFile("abc");
        cache.Sha256(file);
        File.SetLastWriteTimeUtc(file, File.GetLastWriteTimeUtc(file).AddSeconds(5));

        var again = new FileHashCache(cache.Path);
        again.Sha256(file);

        Assert.Equal(1, again.FilesHashed);
    }

    [Fact]
    public void A_file_whose_size_changed_is_hashed_again_even_with_the_same_mtime()
    {
        var (cache, file) = NewCacheAndFile("abc");
        cache.Sha256(file);
        var mtime = File.GetLastWriteTimeUtc(file);
        File.WriteAllText(file, "abcd");
        File.SetLastWriteTimeUtc(file, mtime);

        var again = new FileHashCache(cache.Path);

        Assert.Equal("88d4266fd4e6338d13b845fcf289579d209c897823b9217da3e161936f031589", again.Sha256(file)); // sha256sum of "abcd"
        Assert.Equal(1, again.FilesHashed);
    }

    [Fact]
    public void A_corrupt_cache_file_is_ignored_and_the_hash_recomputed()
    {
        var (cache, file) = NewCacheAndFile("abc");
        Directory.CreateDirectory(Path.GetDirectoryName(cache.Path)!);
        File.WriteAllText(cache.Path, "{ not json");

        Assert.Equal(AbcSha256, cache.Sha256(file));
        Assert.Equal(1, cache.FilesHashed);
    }

    [Fact]
    public void A_cached_hash_that_is_not_64_hex_digits_is_not_trusted()
    {
        var (cache, file) = NewCacheAndFile("abc");
        cache.Sha256(file);
        File.WriteAllText(cache.Path, File.ReadAllText(cache.Path).Replace(AbcSha256, "forged"));

        var again = new FileHashCache(cache.Path);

        Assert.Equal(AbcSha256, again.Sha256(file));
        Assert.Equal(1, again.FilesHashed);
    }

    [Fact]
    public void A_missing_file_is_an_error_naming_it()
    {
        var (cache, file) = NewCacheAndFile("abc");
        var missing = file + ".gone";

        var e = Assert.Throws<InvalidCheckpointException>(() => cache.Sha256(missing));

        Assert.Contains(missing, e.Message);
    }
}
