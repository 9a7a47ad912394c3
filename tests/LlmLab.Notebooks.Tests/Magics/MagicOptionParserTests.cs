using LlmLab.Notebooks.Magics;

namespace LlmLab.Notebooks.Tests.Magics;

public sealed class MagicOptionParserTests
{
    private static readonly CommandSyntax Generate = new("llm-generate", "Generates text.")
    {
        Options =
        [
            new MagicOption("model", "Variable holding the model") { ShortName = 'm', IsRequired = true, ValueName = "NAME" },
            new MagicOption("tokens", "Tokens to generate") { ShortName = 'n', Kind = MagicValueKind.Integer, DefaultValue = "64", ValueName = "N" },
            new MagicOption("temperature", "Sampling temperature") { ShortName = 't', Kind = MagicValueKind.Number, DefaultValue = "0.8" },
            new MagicOption("device", "Where to run") { Choices = ["cpu", "cuda:0"], DefaultValue = "cpu" },
            new MagicOption("stop", "Stop sequence") { IsRepeatable = true },
            new MagicOption("greedy", "Always take the most likely token") { ShortName = 'g', IsFlag = true },
            new MagicOption("stream", "Print tokens as they come") { ShortName = 's', IsFlag = true },
        ],
        Arguments = [new MagicArgument("prompt", "Text to continue")],
    };

    private static MagicOptionValues Parse(params string[] words) => MagicOptionParser.Parse(Generate, words, "#!llm-generate");

    private static string Fails(params string[] words) => Assert.Throws<InvalidOptionException>(() => Parse(words)).Message;

    [Fact]
    public void Long_options_take_a_value_after_a_space_or_an_equals_sign()
    {
        var values = Parse("--model", "m", "--tokens=128", "hello");

        Assert.Equal(("m", 128, "hello"), (values.GetString("model"), values.GetInt32("tokens"), values.GetString("prompt")));
    }

    [Fact]
    public void Short_options_take_a_value_separately_or_attached()
    {
        var values = Parse("-m", "m", "-n32", "-t", "0.5", "hi");

        Assert.Equal(("m", 32, 0.5), (values.GetString("model"), values.GetInt32("tokens"), values.GetDouble("temperature")));
    }

    [Fact]
    public void Grouped_short_flags_are_all_set_and_a_value_option_may_end_the_group()
    {
        var values = Parse("-gsm", "model", "hi");

        Assert.True(values.GetFlag("greedy"));
        Assert.True(values.GetFlag("stream"));
        Assert.Equal("model", values.GetString("model"));
    }

    [Fact]
    public void Absent_options_read_as_their_defaults_and_absent_flags_as_false()
    {
        var values = Parse("-m", "m", "hi");

        Assert.Equal((64, 0.8, "cpu", false), (values.GetInt32("tokens"), values.GetDouble("temperature"), values.GetString("device"), values.GetFlag("greedy")));
        Assert.False(values.Has("tokens"));
    }

    [Fact]
    public void A_repeatable_option_keeps_every_value_in_order()
    {
        Assert.Equal(["\n", "###"], Parse("-m", "m", "--stop", "\n", "--stop=###", "hi").GetAll("stop"));
    }

    [Fact]
    public void A_double_dash_ends_the_options_so_the_argument_may_start_with_a_dash()
    {
        Assert.Equal("--not-an-option", Parse("-m", "m", "--", "--not-an-option").GetString("prompt"));
    }

    [Fact]
    public void A_negative_number_is_a_value_not_an_option()
    {
        Assert.Equal(-1, Parse("-m", "m", "-n", "-1", "hi").GetInt32("tokens"));
    }

    [Fact]
    public void A_positional_argument_may_also_be_given_by_name_as_polyglot_passes_it()
    {
        Assert.Equal("Once", Parse("--model", "m", "--prompt", "Once").GetString("prompt"));
    }

    [Fact]
    public void Help_is_recognised_without_checking_required_options()
    {
        Assert.True(Parse("--help").HelpRequested);
        Assert.True(Parse("-h").HelpRequested);
    }

    [Fact]
    public void An_unknown_long_option_is_named_with_the_closest_known_one()
    {
        Assert.Equal("#!llm-generate: unknown option --token (did you mean --tokens?). Run `#!llm-generate --help` for usage.", Fails("--token", "5"));
    }

    [Fact]
    public void An_unknown_short_option_is_named()
    {
        Assert.StartsWith("#!llm-generate: unknown option -x.", Fails("-x"));
    }

    [Fact]
    public void Missing_required_options_and_arguments_are_listed()
    {
        Assert.StartsWith("#!llm-generate: missing required values --model, PROMPT.", Fails());
    }

    [Fact]
    public void An_option_without_its_value_is_an_error()
    {
        Assert.StartsWith("#!llm-generate: --model needs a value.", Fails("hi", "--model"));
        Assert.StartsWith("#!llm-generate: --model needs a value.", Fails("--model", "--tokens", "5", "hi"));
    }

    [Fact]
    public void A_value_of_the_wrong_kind_is_an_error_quoting_the_value()
    {
        Assert.StartsWith("#!llm-generate: --tokens expects an integer (got 'ten').", Fails("-m", "m", "--tokens", "ten", "hi"));
        Assert.StartsWith("#!llm-generate: --temperature expects a number (got 'warm').", Fails("-m", "m", "-t", "warm", "hi"));
    }

    [Fact]
    public void A_value_outside_the_choices_is_an_error_listing_them()
    {
        Assert.StartsWith("#!llm-generate: --device must be one of cpu, cuda:0 (got 'gpu').", Fails("-m", "m", "--device", "gpu", "hi"));
    }

    [Fact]
    public void A_flag_given_a_value_is_an_error()
    {
        Assert.StartsWith("#!llm-generate: --greedy is a flag and takes no value (got 'yes').", Fails("-m", "m", "--greedy=yes", "hi"));
    }

    [Fact]
    public void A_non_repeatable_option_given_twice_is_an_error()
    {
        Assert.StartsWith("#!llm-generate: --model is given more than once.", Fails("-m", "a", "--model", "b", "hi"));
    }

    [Fact]
    public void A_surplus_argument_is_an_error_that_suggests_quoting()
    {
        Assert.StartsWith("#!llm-generate: unexpected argument 'upon' (it takes PROMPT; quote values that contain spaces).", Fails("-m", "m", "Once", "upon"));
    }

    [Fact]
    public void The_usage_text_lists_arguments_and_options_with_their_notes()
    {
        Snapshot.Match(Generate.Usage("#!llm-generate"), "llm-generate-usage.txt");
    }

    private static readonly CommandSyntax Ranged = new("llm-ranged", "Options with declared ranges.")
    {
        Options =
        [
            new MagicOption("top-p", "Nucleus mass") { Kind = MagicValueKind.Number, Minimum = 0, MinimumIsExclusive = true, Maximum = 1, OnlyWith = "temperature" },
            new MagicOption("temperature", "Sampling temperature") { Kind = MagicValueKind.Number, Minimum = 0, Maximum = 100 },
            new MagicOption("batch", "Batch sizes") { Kind = MagicValueKind.IntegerList, DefaultValue = "1", Minimum = 1, Maximum = 1024 },
        ],
    };

    private static string FailsRanged(params string[] words) =>
        Assert.Throws<InvalidOptionException>(() => MagicOptionParser.Parse(Ranged, words, "#!llm-ranged")).Message;

    [Theory]
    [InlineData("--temperature", "-1", "--temperature -1 is out of range; it must be [0, 100]")]
    [InlineData("--temperature", "NaN", "--temperature expects a number (got 'NaN')")]
    [InlineData("--top-p", "0", "--top-p 0 is out of range; it must be (0, 1]")]
    [InlineData("--top-p", "2", "--top-p 2 is out of range; it must be (0, 1]")]
    [InlineData("--batch", "0", "--batch 0 is out of range; it must be [1, 1024]")]
    [InlineData("--batch", "1,2048", "--batch 2048 is out of range; it must be [1, 1024]")]
    [InlineData("--batch", "1,,4", "--batch '1,,4' has an empty item; give whole numbers separated by commas, e.g. 1,4,16")]
    [InlineData("--batch", "1,4,", "--batch '1,4,' has an empty item; give whole numbers separated by commas, e.g. 1,4,16")]
    public void A_value_outside_its_declared_range_or_list_shape_is_refused_naming_the_option(string option, string value, string problem)
    {
        Assert.Equal($"#!llm-ranged: {problem}. Run `#!llm-ranged --help` for usage.", FailsRanged(option, value));
    }

    [Fact]
    public void The_bounds_themselves_are_accepted_unless_declared_exclusive()
    {
        var values = MagicOptionParser.Parse(Ranged, ["--temperature", "0", "--top-p", "1", "--batch", "1, 4,1024"], "#!llm-ranged");

        Assert.Equal((0.0, 1.0), (values.GetDouble("temperature"), values.GetDouble("top-p")));
        Assert.Equal([1, 4, 1024], values.GetInt32List("batch"));
    }

    [Fact]
    public void An_option_given_without_the_one_it_depends_on_is_accepted_with_a_warning()
    {
        var alone = MagicOptionParser.Parse(Ranged, ["--top-p", "0.9"], "#!llm-ranged");
        var together = MagicOptionParser.Parse(Ranged, ["--top-p", "0.9", "--temperature", "0.7"], "#!llm-ranged");

        Assert.Equal(["#!llm-ranged: warning: --top-p has no effect without --temperature"], alone.Warnings);
        Assert.Empty(together.Warnings);
    }

    [Fact]
    public void Help_text_shows_the_range_and_the_dependency()
    {
        var usage = Ranged.Usage("#!llm-ranged");

        Assert.Matches(@"--top-p VALUE +Nucleus mass \(number \(0, 1\]; only with --temperature\)", usage);
        Assert.Contains("(integers [1, 1024], comma-separated; default: 1)", usage);
    }

    [Fact]
    public void The_cli_and_the_magics_share_the_declarations_of_sampling_and_bench_options()
    {
        var generate = new LlmGenerateMagic().Syntax.Options;
        var bench = new LlmBenchMagic().Syntax.Options;

        Assert.All(StudyOptions.Sampling, o => Assert.Contains(o, generate));
        Assert.All(StudyOptions.Bench, o => Assert.Contains(o, bench));
        Assert.Equal(new Measurement.BenchOptions().PromptTokens, StudyOptions.BenchOptionsFrom(MagicOptionParser.Parse(new LlmBenchMagic().Syntax, [], "#!llm-bench")).PromptTokens);
    }
}
