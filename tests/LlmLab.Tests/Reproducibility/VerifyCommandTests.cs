using LlmLab.Tests.Cli;

namespace LlmLab.Tests.Reproducibility;

public sealed class VerifyCommandTests
{
    private const string BrownSha256 = "6def9c7ad11c7c4215586adbc94021edce18dd16030ac0d0d8a85bd77f1198c8";
    private const string OtherSha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    [Fact]
    public void The_hub_hash_of_the_embedded_model_verifies_with_exit_code_zero()
    {
        var r = CliRunner.Run(null, "verify", "--model", Fixtures.BrownModel, "--sha256", BrownSha256);

        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains($"OK        model.safetensors  {BrownSha256}", r.Stdout);
    }

    [Fact]
    public void A_wrong_hash_exits_with_one_naming_the_file_and_both_hashes()
    {
        var r = CliRunner.Run(null, "verify", "--model", Fixtures.BrownModel, "--sha256", OtherSha256);

        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"MISMATCH  model.safetensors  sha256 {BrownSha256}, expected {OtherSha256}", r.Stdout);
        Assert.Contains("model.safetensors", r.Stderr);
    }

    [Fact]
    public void A_manifest_written_by_verify_then_verifies_the_same_model()
    {
        var manifest = Path.Combine(Fixtures.TempDir(), "brown.sha256");

        var write = CliRunner.Run(null, "verify", "--model", Fixtures.BrownModel, "--write", manifest);
        var check = CliRunner.Run(null, "verify", "--model", Fixtures.BrownModel, "--manifest", manifest);

        Assert.True(write.ExitCode == 0, write.Stderr);
        Assert.Equal($"{BrownSha256}  model.safetensors\n", File.ReadAllText(manifest));
        Assert.True(check.ExitCode == 0, check.Stderr + check.Stdout);
    }

    [Fact]
    public void A_model_file_missing_from_the_folder_exits_with_one_naming_it()
    {
        var manifest = Path.Combine(Fixtures.TempDir(), "brown.sha256");
        File.WriteAllText(manifest, $"{BrownSha256}  model.safetensors\n{OtherSha256}  model-extra.safetensors\n");

        var r = CliRunner.Run(null, "verify", "--model", Fixtures.BrownModel, "--manifest", manifest);

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("MISSING   model-extra.safetensors", r.Stdout);
    }

    [Fact]
    public void A_model_path_that_does_not_exist_exits_with_one_in_one_line()
    {
        var missing = Path.Combine(Fixtures.TempDir(), "no-such-model");

        var r = CliRunner.Run(null, "verify", "--model", missing, "--sha256", BrownSha256);

        Assert.Equal(1, r.ExitCode);
        Assert.Contains(missing, r.Stderr);
        Assert.Single(r.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public void Giving_no_expected_hashes_is_a_usage_error()
    {
        var r = CliRunner.Run(null, "verify", "--model", Fixtures.BrownModel);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--sha256", r.Stderr);
    }
}
