using System.Text;
using LlmLab.Formats;

namespace LlmLab.Tests.Formats;

/// <summary>
/// The 8-byte header length and the files people save in place of weights. Each is rejected before any
/// buffer is sized from the length (files built by <see cref="RawSafetensors"/>).
/// </summary>
public sealed class SafetensorsLengthPrefixTests
{
    [Fact]
    public void Header_length_above_100_MB_is_rejected_as_corrupt()
    {
        string path = RawSafetensors.Write(RawSafetensors.Bytes("{}", declaredLength: 100_000_001));
        Rejection.Expect<InvalidCheckpointException>(() => SafetensorsFile.Open(path),
            path, "header length 100000001", "above the 100000000-byte limit");
    }

    [Fact]
    public void Header_length_near_2_to_the_64_is_rejected_without_an_overflow()
    {
        string path = RawSafetensors.Write(RawSafetensors.Bytes("{}", declaredLength: ulong.MaxValue - 3));
        Rejection.Expect<InvalidCheckpointException>(() => SafetensorsFile.Open(path),
            path, "header length", "above the 100000000-byte limit");
    }

    [Fact]
    public void Header_length_past_the_end_of_the_file_says_the_file_is_truncated()
    {
        string path = RawSafetensors.Write(RawSafetensors.Bytes("{}", declaredLength: 4096));
        Rejection.Expect<InvalidCheckpointException>(() => SafetensorsFile.Open(path),
            path, "header length 4096", "past the end of the 10-byte file", "download it again");
    }

    [Fact]
    public void File_shorter_than_the_8_byte_length_prefix_is_rejected_as_too_short()
    {
        string path = RawSafetensors.Write([1, 2, 3, 4, 5]);
        Rejection.Expect<InvalidCheckpointException>(() => SafetensorsFile.Open(path),
            path, "5 bytes", "too short", "8-byte header length");
    }

    [Fact]
    public void Empty_file_is_rejected_as_empty()
    {
        string path = RawSafetensors.Write([]);
        Rejection.Expect<InvalidCheckpointException>(() => SafetensorsFile.Open(path),
            path, "empty", "download it again");
    }

    [Fact]
    public void Header_length_too_small_for_a_JSON_object_is_rejected()
    {
        string path = RawSafetensors.Write(RawSafetensors.Bytes("{", 0));
        Rejection.Expect<InvalidCheckpointException>(() => SafetensorsFile.Open(path),
            path, "header length 1", "too small");
    }

    [Fact]
    public void Git_LFS_pointer_saved_as_model_safetensors_says_to_download_the_real_file()
    {
        // What `git clone` without git-lfs leaves in place of a weight file.
        string path = RawSafetensors.Write(Encoding.ASCII.GetBytes(
            "version https://git-lfs.github.com/spec/v1\noid sha256:3f1b0f2a9c4e6d8b7a5c3e1f0d2b4a6c8e0f1a3b5c7d9e1f3a5b7c9d1e3f5a7b\nsize 609640\n"));
        Rejection.Expect<InvalidCheckpointException>(() => SafetensorsFile.Open(path),
            path, "Git LFS pointer", "download the real file");
    }

    [Fact]
    public void HTML_page_saved_as_safetensors_says_to_download_the_real_file()
    {
        string path = RawSafetensors.Write(Encoding.ASCII.GetBytes(
            "<!DOCTYPE html>\n<html><head><title>Login</title></head><body>Sign in to continue</body></html>\n"), "model.safetensors");
        Rejection.Expect<InvalidCheckpointException>(() => SafetensorsFile.Open(path),
            path, "HTML page", "download the real file");
    }

    [Fact]
    public void HTML_page_shorter_than_8_bytes_is_still_recognised_as_HTML()
    {
        string path = RawSafetensors.Write(Encoding.ASCII.GetBytes("<html>"));
        Rejection.Expect<InvalidCheckpointException>(() => SafetensorsFile.Open(path),
            path, "HTML page", "download the real file");
    }

    [Fact]
    public void JSON_error_response_saved_as_safetensors_is_recognised_as_JSON()
    {
        string path = RawSafetensors.Write(Encoding.ASCII.GetBytes("""{"error":"Repository not found"}"""));
        Rejection.Expect<InvalidCheckpointException>(() => SafetensorsFile.Open(path),
            path, "JSON document", "download the real file");
    }

    [Fact]
    public void Plain_text_saved_as_safetensors_is_recognised_as_text()
    {
        string path = RawSafetensors.Write(Encoding.ASCII.GetBytes("Entry not found"));
        Rejection.Expect<InvalidCheckpointException>(() => SafetensorsFile.Open(path),
            path, "text file", "Entry no", "download the real file");
    }

    [Fact]
    public void Truncated_file_whose_length_prefix_starts_with_a_printable_byte_is_not_called_HTML()
    {
        // Header length 60 = '<' in the low byte; the file stops inside the header. That is truncation, not a web page.
        var bytes = RawSafetensors.Bytes(new string(' ', 20), 0, declaredLength: 60);
        string path = RawSafetensors.Write(bytes);
        var e = Rejection.Expect<InvalidCheckpointException>(() => SafetensorsFile.Open(path),
            path, "header length 60", "download it again");
        Assert.DoesNotContain("HTML", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parsing_a_header_longer_than_the_file_it_came_from_is_rejected()
    {
        // The public Parse, called with a file length that cannot hold the header it was given.
        Rejection.Expect<InvalidCheckpointException>(() => SafetensorsHeader.Parse("{}"u8, fileLength: 4, "x.safetensors"),
            "x.safetensors", "header length 2", "past the end of the 4-byte file");
    }

    [Fact]
    public void Missing_file_is_rejected_naming_the_path()
    {
        string path = Path.Combine(Fixtures.TempDir(), "model.safetensors");
        Rejection.Expect<InvalidCheckpointException>(() => SafetensorsFile.Open(path), path, "not found");
    }
}
