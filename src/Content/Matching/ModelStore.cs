using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace OimBot.Content.Matching;

/// <summary>
/// Trained models kept on disk, so a process that starts on content it has seen before (a restart, a deploy of the same
/// content, a command run after the service) reads the models in a fraction of a second instead of training them again
/// for several seconds. A cache and nothing more: a file is named by a hash of the examples, the training options and
/// the build of this library (a changed feature extractor or trainer never reads an older model), carries that key and
/// a SHA-256 of itself, and is written whole (a temporary file, then a rename). Anything unreadable, torn or from
/// another build is ignored and trained again; a directory that cannot be written only costs the training. The models
/// hold nothing but the content's own example phrasings.
/// </summary>
public sealed class ModelStore
{
    private const string Suffix = ".model";
    private static readonly byte[] Magic = "OIMBOTM1"u8.ToArray();
    private static readonly string Build = typeof(ModelStore).Assembly.ManifestModule.ModuleVersionId.ToString("N");

    /// <param name="directory">Where the models are kept; created when first written.</param>
    /// <param name="keep">How many models the directory keeps; the oldest written go first (one content version has one model per language).</param>
    public ModelStore(string directory, int keep = 36)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        Directory = Path.GetFullPath(directory);
        Keep = keep;
    }

    public string Directory { get; }

    public int Keep { get; }

    /// <summary>
    /// The conventional per-user cache: <c>$XDG_CACHE_HOME/oimbot/models</c>, else <c>~/.cache/oimbot/models</c>; null
    /// for an account without a home (never a shared folder such as /tmp, where another account could leave a model).
    /// </summary>
    public static string? DefaultDirectory()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (!string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg))
        {
            return Path.Combine(xdg, "oimbot", "models");
        }

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return !string.IsNullOrWhiteSpace(home) && System.IO.Directory.Exists(home) ? Path.Combine(home, ".cache", "oimbot", "models") : null;
    }

    /// <summary>The file a model of this key is kept in (the key of the examples and options, and this build).</summary>
    public string PathOf(string key) => Path.Combine(Directory, FileKey(key) + Suffix);

    /// <summary>The model stored under <paramref name="key"/>, or null when there is none or it cannot be trusted.</summary>
    public TextClassifier? TryRead(string key, IReadOnlyList<LabelledText> examples)
    {
        var path = PathOf(key);
        byte[] bytes;
        try
        {
            if (!File.Exists(path))
            {
                return null;
            }

            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            return Parse(bytes, FullKey(key), examples, clock);
        }
        catch (Exception e) when (e is FormatException or EndOfStreamException or ArgumentException or OverflowException or InvalidDataException)
        {
            return null; // torn, tampered or of another layout: trained again and written over
        }
    }

    /// <summary>Keeps <paramref name="model"/> under <paramref name="key"/>; false (and nothing kept) when the directory cannot be written.</summary>
    public bool TryWrite(string key, TextClassifier model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var path = PathOf(key);
        var temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            File.WriteAllBytes(temporary, Serialize(model, FullKey(key)));
            File.Move(temporary, path, overwrite: true);
            Prune();
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
            return false;
        }
    }

    private static string FullKey(string key) => $"{Build}:{key}";

    private static string FileKey(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(FullKey(key))))[..40].ToLowerInvariant();

    /// <summary>Keeps the newest <see cref="Keep"/> models (and drops temporary files a killed process left an hour ago or more).</summary>
    private void Prune()
    {
        var files = new DirectoryInfo(Directory).GetFiles();
        var newest = files.Max(f => f.LastWriteTimeUtc); // the file just written: the directory's own clock, no other
        foreach (var stale in files.Where(f => f.Name.EndsWith(".tmp", StringComparison.Ordinal) && f.LastWriteTimeUtc < newest.AddHours(-1)))
        {
            TryDelete(stale.FullName);
        }

        foreach (var old in files.Where(f => f.Name.EndsWith(Suffix, StringComparison.Ordinal)).OrderByDescending(f => f.LastWriteTimeUtc).Skip(Keep))
        {
            TryDelete(old.FullName);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // another process removed or holds it: the next write prunes again
        }
    }

    private static byte[] Serialize(TextClassifier model, string key)
    {
        var parts = model.Parts();
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(key);
            writer.Write(parts.Labels.Length);
            foreach (var label in parts.Labels)
            {
                writer.Write(label);
            }

            writer.Write(parts.Features.Length);
            writer.Write(parts.Unseen);
            writer.Write(parts.TrainingTime.Ticks);
            writer.Write(MemoryMarshal.AsBytes(parts.Features.AsSpan()));
            writer.Write(MemoryMarshal.AsBytes(parts.Idf.AsSpan()));
            writer.Write(MemoryMarshal.AsBytes(parts.Bias.AsSpan()));
            writer.Write(MemoryMarshal.AsBytes(parts.Weights.AsSpan()));
        }

        stream.Write(SHA256.HashData(stream.GetBuffer().AsSpan(0, (int)stream.Length)));
        return stream.ToArray();
    }

    private static TextClassifier Parse(byte[] bytes, string key, IReadOnlyList<LabelledText> examples, System.Diagnostics.Stopwatch clock)
    {
        if (!BitConverter.IsLittleEndian || bytes.Length < Magic.Length + SHA256.HashSizeInBytes)
        {
            throw new InvalidDataException("too short");
        }

        var body = bytes.AsSpan(0, bytes.Length - SHA256.HashSizeInBytes);
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(bytes.AsSpan(body.Length)) || !body[..Magic.Length].SequenceEqual(Magic))
        {
            throw new InvalidDataException("checksum");
        }

        using var reader = new BinaryReader(new MemoryStream(bytes, Magic.Length, body.Length - Magic.Length), Encoding.UTF8);
        if (reader.ReadString() != key)
        {
            throw new InvalidDataException("another model under this name");
        }

        var labels = new string[Count(reader, reader.ReadInt32(), 1)];
        for (var i = 0; i < labels.Length; i++)
        {
            labels[i] = reader.ReadString();
        }

        var features = reader.ReadInt32();
        var unseen = reader.ReadSingle();
        var trainingTime = TimeSpan.FromTicks(reader.ReadInt64());
        var parts = new TextClassifier.ModelParts(
            labels,
            Read<ulong>(reader, features),
            Read<float>(reader, features),
            unseen,
            Read<float>(reader, labels.Length),
            Read<Half>(reader, checked(features * labels.Length)),
            trainingTime);
        if (reader.BaseStream.Position != reader.BaseStream.Length)
        {
            throw new InvalidDataException("trailing bytes");
        }

        return TextClassifier.FromParts(parts, examples, clock.Elapsed);
    }

    /// <summary>A count read from the file, refused when what it counts could not fit in the bytes left (never a huge allocation).</summary>
    private static int Count(BinaryReader reader, int count, int bytesEach) =>
        count >= 0 && (long)count * bytesEach <= reader.BaseStream.Length - reader.BaseStream.Position ? count : throw new InvalidDataException("a count past the end");

    private static T[] Read<T>(BinaryReader reader, int count)
        where T : struct
    {
        var values = new T[Count(reader, count, System.Runtime.CompilerServices.Unsafe.SizeOf<T>())];
        var span = MemoryMarshal.AsBytes(values.AsSpan());
        if (reader.Read(span) != span.Length)
        {
            throw new EndOfStreamException();
        }

        return values;
    }
}
