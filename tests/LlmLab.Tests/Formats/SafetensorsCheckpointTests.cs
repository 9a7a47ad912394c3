using System.Text.Json;
using LlmLab.Formats;

namespace LlmLab.Tests.Formats;

/// <summary>Checkpoint folders: the sharded fixture (llama-tiny-bf16, 3 shards + index) and broken indexes built in temp folders.</summary>
public sealed class SafetensorsCheckpointTests
{
    /// <summary>
    /// A folder <c>model/</c> inside a fresh temp folder, with one valid shard holding tensors <c>a</c> and <c>b</c>
    /// and an index whose weight_map is <paramref name="weightMapJson"/> (or whose whole text is <paramref name="indexText"/>).
    /// </summary>
    private static (string Directory, string Index) ShardedFolder(string weightMapJson, string? indexText = null)
    {
        string dir = Path.Combine(Fixtures.TempDir(), "model");
        Directory.CreateDirectory(dir);
        SafetensorsWriter.Write(Path.Combine(dir, "model-00001-of-00001.safetensors"),
            [TensorToWrite.FromFloats("a", [2], [1, 2]), TensorToWrite.FromFloats("b", [1], [3])]);
        string index = Path.Combine(dir, SafetensorsCheckpoint.IndexFileName);
        File.WriteAllText(index, indexText ?? $$"""{"metadata": {"total_size": 12}, "weight_map": {{weightMapJson}}}""");
        return (dir, index);
    }

    [Fact]
    public void Sharded_fixture_finds_every_tensor_of_its_index_across_three_shards()
    {
        string dir = Fixtures.Model("llama-tiny-bf16");
        using var index = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir, SafetensorsCheckpoint.IndexFileName)));
        var weightMap = index.RootElement.GetProperty("weight_map").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);

        using var checkpoint = SafetensorsCheckpoint.Open(dir);
        Assert.Equal(3, checkpoint.Files.Count);
        Assert.Equal(weightMap.Keys.Order(), checkpoint.Names.Order());
        foreach (var (name, shard) in weightMap)
        {
            Assert.Equal(Path.Combine(Path.GetFullPath(dir), shard), checkpoint.FileOf(name));
            Assert.Equal(checkpoint.Entry(name).ByteLength, checkpoint.Tensor(name).Bytes.Length);
        }
    }

    [Fact]
    public void Sharded_fixture_holds_the_same_tensor_names_as_its_single_file_fp32_twin()
    {
        using var sharded = SafetensorsCheckpoint.Open(Fixtures.Model("llama-tiny-bf16"));
        using var single = SafetensorsCheckpoint.Open(Fixtures.Model("llama-tiny"));
        Assert.Equal(single.Names.Order(), sharded.Names.Order());
    }

    [Theory]
    [InlineData("../x.safetensors")]
    [InlineData("/etc/passwd")]
    [InlineData("sub/../../x.safetensors")]
    [InlineData("sub/x.safetensors")]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("..\\\\x.safetensors")]
    [InlineData("")]
    public void Shard_name_that_is_not_a_plain_file_name_in_the_folder_is_rejected(string shard)
    {
        var (dir, index) = ShardedFolder($$$"""{"a": "model-00001-of-00001.safetensors", "b": "{{{shard}}}"}""");
        // A real file where "../x.safetensors" points, so only the name check can stop it being opened.
        SafetensorsWriter.Write(Path.Combine(dir, "..", "x.safetensors"), [TensorToWrite.FromFloats("b", [1], [3])]);
        Rejection.Expect<InvalidCheckpointException>(() => SafetensorsCheckpoint.Open(dir),
            index, "'b'", $"'{shard.Replace("\\\\", "\\", StringComparison.Ordinal)}'", "outside the model folder", "plain file names");
    }

    [Fact]
    public void Shard_name_with_a_NUL_character_is_rejected_without_an_ArgumentException()
    {
        var (dir, index) = ShardedFolder("""{"a": "model-00001-of-00001.safetensors\u0000.txt"}""");
        Rejection.Expect<InvalidCheckpointException>(() => SafetensorsCheckpoint.Open(dir),
            index, "'a'", "outside the model folder");
    }

    [Fact]
    public void Missing_shard_names_the_shard_and_a_tensor_it_should_hold()
    {
        var (dir, index) = ShardedFolder("""{"a": "model-00001-of-00001.safetensors", "b": "model-00002-of-00002.safetensors"}""");
        Rejection.Expect<InvalidCheckpointException>(() => SafetensorsCheckpoint.Open(dir),
            index, "shard 'model-00002-of-00002.safetensors'", "'b'", "missing", "download all the shards");
    }

    [Fact]
    public void Index_naming_a_tensor_its_shard_lacks_names_the_tensor_and_the_shard()
    {
        var (dir, index) = ShardedFolder("""{"a": "model-00001-of-00001.safetensors", "c": "model-00001-of-00001.safetensors"}""");
        Rejection.Expect<InvalidCheckpointException>(() => SafetensorsCheckpoint.Open(dir),
            index, "'c'", "'model-00001-of-00001.safetensors'", "no such tensor");
    }

    [Fact]
    public void Index_that_is_not_JSON_is_rejected()
    {
        var (dir, index) = ShardedFolder("", indexText: "<html><body>404</body></html>");
        Rejection.Expect<InvalidCheckpointException>(() => SafetensorsCheckpoint.Open(dir),
            index, "not valid JSON", "download the index again");
    }

    [Fact]
    public void Index_without_weight_map_names_the_field()
    {
        var (dir, index) = ShardedFolder("", indexText: """{"metadata": {"total_size": 12}}""");
        Rejection.Expect<InvalidCheckpointException>(() => SafetensorsCheckpoint.Open(dir),
            index, "'weight_map'", "missing");
    }

    [Fact]
    public void Index_whose_weight_map_is_not_an_object_names_the_field()
    {
        var (dir, index) = ShardedFolder("""["model-00001-of-00001.safetensors"]""");
        Rejection.Expect<InvalidCheckpointException>(() => SafetensorsCheckpoint.Open(dir),
            index, "'weight_map'", "missing");
    }

    [Fact]
    public void Index_with_an_empty_weight_map_is_rejected()
    {
        var (dir, index) = ShardedFolder("{}");
        Rejection.Expect<InvalidCheckpointException>(() => SafetensorsCheckpoint.Open(dir),
            index, "'weight_map'", "empty");
    }

    [Fact]
    public void Index_entry_that_is_not_a_file_name_string_names_the_tensor()
    {
        var (dir, index) = ShardedFolder("""{"a": 1}""");
        Rejection.Expect<InvalidCheckpointException>(() => SafetensorsCheckpoint.Open(dir),
            index, "weight_map entry 'a'", "not a file name string");
    }

    [Fact]
    public void Index_listing_a_tensor_twice_names_the_tensor()
    {
        var (dir, index) = ShardedFolder("""{"a": "model-00001-of-00001.safetensors", "a": "model-00001-of-00001.safetensors"}""");
        Rejection.Expect<InvalidCheckpointException>(() => SafetensorsCheckpoint.Open(dir),
            index, "'a'", "twice");
    }

    [Fact]
    public void Index_with_a_lone_surrogate_escape_is_rejected()
    {
        var (dir, index) = ShardedFolder("""{"a\ud800": "model-00001-of-00001.safetensors"}""");
        Rejection.Expect<InvalidCheckpointException>(() => SafetensorsCheckpoint.Open(dir),
            index, "invalid \\u escape");
    }

    [Fact]
    public void Corrupt_shard_is_reported_with_the_shard_path()
    {
        string dir = Fixtures.TempDir(), fixture = Fixtures.Model("llama-tiny-bf16");
        foreach (var f in Directory.GetFiles(fixture)) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        string shard = Path.Combine(dir, "model-00002-of-00003.safetensors");
        var bytes = File.ReadAllBytes(shard);
        File.WriteAllBytes(shard, bytes[..(bytes.Length / 2)]);
        Rejection.Expect<InvalidCheckpointException>(() => SafetensorsCheckpoint.Open(dir),
            shard, "truncated", "download it again");
    }

    [Fact]
    public void Git_LFS_pointer_in_a_model_folder_is_reported_when_the_folder_is_opened()
    {
        string dir = Fixtures.TempDir(), file = Path.Combine(dir, SafetensorsCheckpoint.SingleFileName);
        File.WriteAllText(file, "version https://git-lfs.github.com/spec/v1\noid sha256:0123456789abcdef\nsize 609640\n");
        Rejection.Expect<InvalidCheckpointException>(() => SafetensorsCheckpoint.Open(dir),
            file, "Git LFS pointer", "download the real file");
    }

    [Fact]
    public void Folder_with_neither_weights_nor_index_names_both_expected_files()
    {
        string dir = Fixtures.TempDir();
        File.WriteAllText(Path.Combine(dir, "pytorch_model.bin"), "not read");
        Rejection.Expect<InvalidCheckpointException>(() => SafetensorsCheckpoint.Open(dir),
            dir, SafetensorsCheckpoint.SingleFileName, SafetensorsCheckpoint.IndexFileName);
    }

    [Fact]
    public void Asking_for_a_tensor_no_shard_holds_names_the_tensor()
    {
        string dir = Path.GetFullPath(Fixtures.Model("qwen2-tiny"));
        using var checkpoint = SafetensorsCheckpoint.Open(dir);
        Rejection.Expect<InvalidCheckpointException>(() => checkpoint.Tensor("lm_head.weight"),
            dir, "'lm_head.weight'", "not in the checkpoint");
    }
}
