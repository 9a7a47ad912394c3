using System.Collections.Concurrent;
using System.Text;
using LlmLab.Notebooks.Documents;
using LlmLab.Notebooks.Formatting;
using LlmLab.Notebooks.Magics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;

namespace LlmLab.Notebooks.Execution;

/// <summary>
/// One notebook's C# session (Roslyn scripting): cells run in order and share variables, functions and types.
/// Each cell runs on its own thread under a time limit; its console output, <c>display(...)</c> calls, trailing
/// expression value and error become its outputs. Magic lines at the start of a cell run first.
/// </summary>
/// <remarks>
/// A cell that exceeds its time limit is asked to stop: loop bodies carry a checkpoint
/// (<see cref="CellCheckpoint"/>), so a runaway loop ends within one iteration. Code blocked elsewhere (a sleep, a
/// library call) cannot be stopped; after <see cref="NotebookSessionOptions.StopGracePeriod"/> it is abandoned on its thread, the cell
/// reports it, and later cells continue from the state before it.
/// </remarks>
public sealed partial class NotebookSession : IMagicSession
{
    private readonly ScriptOptions _scriptOptions;
    private readonly NotebookGlobals _globals;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConcurrentDictionary<string, string> _cellNamesByPath = new(StringComparer.Ordinal);
    private readonly CellTextWriter _out = new(StreamOutput.StandardOutput, TextWriter.Null);
    private ScriptState<object> _state = null!;
    private int _executionCount;
    private int _submissions;

    private NotebookSession(NotebookSessionOptions options)
    {
        Options = options;
        Formatters = options.Formatters ?? FormatterRegistry.CreateDefault();
        Magics = new MagicDispatcher(options.Magics ?? MagicRegistry.CreateDefault());
        _globals = new NotebookGlobals(this);
        _scriptOptions = ScriptReferences.Options(options);
    }

    /// <summary>How this session runs cells.</summary>
    public NotebookSessionOptions Options { get; }

    /// <summary>Formatters used for displayed values and results.</summary>
    public FormatterRegistry Formatters { get; }

    /// <summary>Runs the magic lines of cells.</summary>
    public MagicDispatcher Magics { get; }

    /// <summary>Number of cells run so far.</summary>
    public int ExecutionCount => Volatile.Read(ref _executionCount);

    /// <inheritdoc/>
    public TextWriter Out => _out;

    /// <summary>Starts a session: compiles an empty first submission and defines the parameters.</summary>
    /// <exception cref="InvalidOptionException">A parameter name is not a C# identifier.</exception>
    public static async Task<NotebookSession> StartAsync(NotebookSessionOptions? options = null, CancellationToken cancellationToken = default)
    {
        ConsoleCapture.EnsureInstalled();
        var session = new NotebookSession(options ?? new NotebookSessionOptions());
        var start = CSharpScript.Create("", session.SubmissionOptions("session start"), typeof(NotebookGlobals));
        session._state = await start.RunAsync(session._globals, cancellationToken: cancellationToken);
        var parameters = session.Options.Parameters;
        foreach (var parameter in parameters) VariableNames.Validate(parameter.Name);
        if (parameters.Count > 0)
        {
            session._state = await session.DeclareAsync(session._state, parameters.Select(p => (p.Name, (object?)p.Value, p.Type)).ToArray(), cancellationToken);
        }

        return session;
    }

    /// <summary>Runs one C# cell (magic lines first, then its code) and returns its outputs.</summary>
    /// <param name="source">The cell's text.</param>
    /// <param name="cellName">How errors name the cell, e.g. <c>cell 4</c>; defaults to <c>cell [N]</c> by execution count.</param>
    /// <param name="cancellationToken">Stops the cell like a timeout does.</param>
    public Task<CellExecution> ExecuteAsync(string source, string? cellName = null, CancellationToken cancellationToken = default) =>
        ExecuteAsync(source, cellName, null, cancellationToken);

    /// <summary>Runs one cell like <see cref="ExecuteAsync(string, string?, CancellationToken)"/>, showing each output to <paramref name="onOutput"/> as it happens.</summary>
    internal async Task<CellExecution> ExecuteAsync(string source, string? cellName, Action<CellOutputEvent>? onOutput, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return await ExecuteLockedAsync(source, cellName, onOutput, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc/>
    public void Display(object? value) => _globals.display(value);

    /// <inheritdoc/>
    public async Task DefineVariableAsync(string name, object? value, Type declaredType, CancellationToken cancellationToken = default)
    {
        VariableNames.Validate(name);
        if (value is null ? declaredType.IsValueType && Nullable.GetUnderlyingType(declaredType) is null : !declaredType.IsInstanceOfType(value))
        {
            throw new ArgumentException($"Variable '{name}': a {value?.GetType().Name ?? "null"} cannot be stored in a {declaredType.Name}.", nameof(value));
        }

        (string, object?, Type)[] variables = [(name, value, declaredType)];
        if (CellContext.Current is { } cell && ReferenceEquals(cell.Session, this))
        {
            cell.State = await DeclareAsync(cell.State, variables, cancellationToken);
            return;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            _state = await DeclareAsync(_state, variables, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc/>
    public bool TryGetVariable(string name, out object? value)
    {
        var state = CellContext.Current is { } cell && ReferenceEquals(cell.Session, this) ? cell.State : _state;
        var variable = state.GetVariable(name);
        value = variable?.Value;
        return variable is not null;
    }

    /// <summary>Declares variables in one submission: <c>T name = (T)TakeDefinedValue("name");</c> per variable.</summary>
    private async Task<ScriptState<object>> DeclareAsync(ScriptState<object> state, IReadOnlyList<(string Name, object? Value, Type Type)> variables, CancellationToken cancellationToken)
    {
        var code = new StringBuilder();
        foreach (var (name, value, type) in variables)
        {
            var typeName = CSharpTypeName.Of(type);
            _globals.Stage(name, value);
            code.Append($"{typeName} @{name} = ({typeName})TakeDefinedValue(\"{name}\")!;\n");
        }

        return await state.ContinueWithAsync(code.ToString(), SubmissionOptions("variables"), cancellationToken);
    }

    private ScriptOptions SubmissionOptions(string cellName)
    {
        var path = Path.Combine(Options.BaseDirectory, $"llmlab-submission-{Interlocked.Increment(ref _submissions)}.csx");
        _cellNamesByPath[path] = cellName;
        return _scriptOptions.WithFilePath(path);
    }
}
