using LlmLab.Reproducibility;

namespace LlmLab.Tests.Reproducibility;

public sealed class ModelVerificationTests
{
    private static FileHashCache NewCache() => new(Path.Combine(Fixtures.TempDir(), "sha256.json"));

    /// <summary>A folder shaped like a sharded checkpoint: two weight files and a config, with known contents.</summary>
    private static string ShardedModel()
    {
        var dir = Fixtures.TempDir();
        File.WriteAllText(Path.Combine(dir, "model-00001-of-00002.safetensors"), "abc");
        File.WriteAllText(Path.Combine(dir, "model-00002-of-00002.safetensors"), "abcd");
        File.WriteAllText(Path.Combine(dir, "config.json"), "{}");
        return dir;
    }

    private const string AbcSha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    private const string AbcdSha256 = "88d4266fd4e6338d13b845fcf289579d209c897823b9217da3e161936f031589";

    [Fact]
    public void A_folder_fingerprint_lists_each_weight_file_with_its_hash_and_leaves_other_files_out()
    {
        var model = ModelFingerprint.Of(ShardedModel(), NewCache());

        Assert.Equal(
            [new FileHash("model-00001-of-00002.safetensors", 3, AbcSha256), new FileHash("model-00002-of-00002.safetensors", 4, AbcdSha256)],
            model.Files);
    }

    [Fact]
    public void The_embedded_model_hashes_to_the_sha256_that_sha256sum_prints()
    {
        // sha256sum data/models/brown-llama-7m/model.safetensors (GNU coreutils 9.1), 2026-12-07.
        var model = ModelFingerprint.Of(Fixtures.BrownModel, NewCache());

        Assert.Equal("6def9c7ad11c7c4215586adbc94021edce18dd16030ac0d0d8a85bd77f1198c8", Assert.Single(model.Files).Sha256);
    }

    [Fact]
    public void Require_refuses_a_mismatched_file_naming_it_and_both_hashes()
    {
        var model = ModelFingerprint.Of(Fixtures.BrownModel, NewCache());

        var e = Assert.Throws<InvalidCheckpointException>(() => model.Require(AbcSha256));

        Assert.Contains("model.safetensors", e.Message);
        Assert.Contains("6def9c7ad11c7c4215586adbc94021edce18dd16030ac0d0d8a85bd77f1198c8", e.Message);
        Assert.Contains(AbcSha256, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Require_accepts_the_right_hash_in_upper_case()
    {
        var model = ModelFingerprint.Of(Fixtures.BrownModel, NewCache());

        model.Require("6DEF9C7AD11C7C4215586ADBC94021EDCE18DD16030AC0D0D8A85BD77F1198C8");
    }

    [Fact]
    public void Require_refuses_one_hash_for_a_sharded_model_and_points_to_a_manifest()
    {
        var model = ModelFingerprint.Of(ShardedModel(), NewCache());

        var e = Assert.Throws<InvalidOptionException>(() => model.Require(AbcSha256));

        Assert.Contains("--manifest", e.Message);
    }

    [Fact]
    public void A_folder_without_weight_files_is_an_error_naming_it()
    {
        var dir = Fixtures.TempDir();

        var e = Assert.Throws<InvalidCheckpointException>(() => ModelFingerprint.Of(dir, NewCache()));

        Assert.Contains(dir, e.Message);
    }

    [Fact]
    public void A_manifest_round_trips_through_its_sha256sum_text()
    {
        var model = ModelFingerprint.Of(ShardedModel(), NewCache());
        var text = HashManifest.Of(model).ToText();

        var read = HashManifest.Parse(text, "MANIFEST");

        Assert.Equal($"{AbcSha256}  model-00001-of-00002.safetensors\n{AbcdSha256}  model-00002-of-00002.safetensors\n", text);
        Assert.Equal(model.Files.Select(f => (f.Name, f.Sha256)), read.Files.Select(f => (f.Name, f.Sha256)));
        Assert.True(CheckpointVerification.AgainstManifest(model, read).Succeeded);
    }

    [Fact]
    public void A_manifest_line_that_leaves_the_model_folder_is_refused()
    {
        var e = Assert.Throws<InvalidOptionException>(() => HashManifest.Parse($"{AbcSha256}  ../other/model.safetensors\n", "MANIFEST"));

        Assert.Contains("line 1", e.Message);
    }

    [Fact]
    public void A_manifest_line_without_a_hash_is_refused_naming_the_line()
    {
        var e = Assert.Throws<InvalidOptionException>(() => HashManifest.Parse($"{AbcSha256}  a.safetensors\nnot a hash  b.safetensors\n", "MANIFEST"));

        Assert.Contains("MANIFEST: line 2", e.Message);
    }

    [Fact]
    public void A_changed_shard_is_a_mismatch_with_both_hashes()
    {
        var dir = ShardedModel();
        var manifest = HashManifest.Of(ModelFingerprint.Of(dir, NewCache()));
        File.WriteAllText(Path.Combine(dir, "model-00002-of-00002.safetensors"), "abc");

        var result = CheckpointVerification.AgainstManifest(ModelFingerprint.Of(dir, NewCache()), manifest);

        Assert.False(result.Succeeded);
        Assert.Equal(new VerifiedFile("model-00002-of-00002.safetensors", VerifiedFileStatus.Mismatch, AbcSha256, AbcdSha256), result.Files[1]);
    }

    [Fact]
    public void A_shard_missing_from_the_folder_is_reported_missing()
    {
        var dir = ShardedModel();
        var manifest = HashManifest.Of(ModelFingerprint.Of(dir, NewCache()));
        File.Delete(Path.Combine(dir, "model-00001-of-00002.safetensors"));

        var result = CheckpointVerification.AgainstManifest(ModelFingerprint.Of(dir, NewCache()), manifest);

        Assert.Equal(VerifiedFileStatus.Missing, result.Files.Single(f => f.Name == "model-00001-of-00002.safetensors").Status);
    }

    [Fact]
    public void A_weight_file_the_manifest_does_not_list_fails_the_verification()
    {
        var dir = ShardedModel();
        var manifest = HashManifest.Of(ModelFingerprint.Of(dir, NewCache()));
        File.WriteAllText(Path.Combine(dir, "extra.gguf"), "x");

        var result = CheckpointVerification.AgainstManifest(ModelFingerprint.Of(dir, NewCache()), manifest);

        Assert.False(result.Succeeded);
        Assert.Equal(VerifiedFileStatus.Unexpected, result.Files.Single(f => f.Name == "extra.gguf").Status);
    }

    [Fact]
    public void Hub_hashes_in_any_order_verify_a_sharded_model()
    {
        var model = ModelFingerprint.Of(ShardedModel(), NewCache());

        Assert.True(CheckpointVerification.AgainstHashes(model, [AbcdSha256, AbcSha256]).Succeeded);
    }
}
