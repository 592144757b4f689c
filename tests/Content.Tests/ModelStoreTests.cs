using OimBot.Content.Matching;

namespace OimBot.Content.Tests;

/// <summary>Trained models kept on disk between processes: read back exactly, and never trusted when anything is off.</summary>
public sealed class ModelStoreTests : IDisposable
{
    private static readonly string[] Messages = ["kiero bolver a mi pais", "permisos de trabajo", "me tienen encerada", "xyzzy", "necesito papeles para trabajar"];

    private readonly string _root = Directory.CreateTempSubdirectory("oimbot-models-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static LabelledText L(string label, string text) => new(TextNormalizer.WordsOf(text), label);

    /// <summary>Examples no other test trains on, so the in-memory cache never answers in place of the store.</summary>
    private static LabelledText[] Unique() =>
    [
        L("return", "quiero volver a mi pais"), L("return", "como regreso a casa"), L("return", "retorno voluntario " + Guid.NewGuid().ToString("N")),
        L("papers", "necesito papeles"), L("papers", "permiso de trabajo"), L("papers", "no tengo documentos"),
        L("danger", "me tienen encerrada"), L("danger", "no me dejan salir"), L("danger", "estoy secuestrado"),
    ];

    private static void AssertSameModel(TextClassifier expected, TextClassifier actual)
    {
        Assert.Equal(expected.Fingerprint(), actual.Fingerprint());
        Assert.Equal(expected.Labels, actual.Labels);
        Assert.Equal(expected.FeatureCount, actual.FeatureCount);
        foreach (var message in Messages)
        {
            var words = TextNormalizer.WordsOf(message);
            var (a, b) = (expected.Predict(words), actual.Predict(words));
            Assert.Equal(a.Probabilities, b.Probabilities); // bit for bit: the same answers as the model trained here
            Assert.Equal((a.KnownFeatures, a.KnownWords, a.Features), (b.KnownFeatures, b.KnownWords, b.Features));
        }
    }

    [Fact]
    public void AModelWritten_IsReadBackExactly()
    {
        var examples = Unique();
        var store = new ModelStore(_root);
        var trained = TextClassifier.Train(examples, cache: false);
        var key = TextClassifier.KeyOf(examples);

        Assert.Null(store.TryRead(key, examples));
        Assert.True(store.TryWrite(key, trained));
        var read = store.TryRead(key, examples);

        Assert.NotNull(read);
        AssertSameModel(trained, read);
        Assert.NotNull(read.ReadTime);
        Assert.Null(trained.ReadTime);
        Assert.Equal(trained.TrainingTime, read.TrainingTime);
        Assert.Same(examples, read.TrainedOn);
    }

    [Fact]
    public void Training_WritesTheStore_AndAnotherProcessReadsInsteadOfTraining()
    {
        var examples = Unique();
        var store = new ModelStore(_root);
        var trained = TextClassifier.Train(examples, store: store);

        Assert.Null(trained.ReadTime);
        Assert.True(File.Exists(store.PathOf(TextClassifier.KeyOf(examples))));
        // Another process: the same examples, equal but not the same objects, nothing in memory.
        var copy = examples.Select(e => new LabelledText([.. e.Words], e.Label)).ToList();
        var read = store.TryRead(TextClassifier.KeyOf(copy), copy);
        Assert.NotNull(read);
        AssertSameModel(trained, read);
    }

    [Fact]
    public void Training_ReadsAModelTheStoreHas_InsteadOfTraining()
    {
        var examples = Unique();
        var store = new ModelStore(_root);
        var trained = TextClassifier.Train(examples, cache: false); // as another process did: nothing in this one's memory
        Assert.True(store.TryWrite(TextClassifier.KeyOf(examples), trained));

        var model = TextClassifier.Train(examples, store: store);

        Assert.NotNull(model.ReadTime);
        AssertSameModel(trained, model);
        Assert.Same(model, TextClassifier.Train(examples, store: store)); // then kept in memory like a trained one
    }

    [Fact]
    public void OtherExamplesOrOptions_AreAnotherModel()
    {
        var examples = Unique();
        var store = new ModelStore(_root);
        Assert.True(store.TryWrite(TextClassifier.KeyOf(examples), TextClassifier.Train(examples, cache: false)));

        LabelledText[] more = [.. examples, L("papers", "carnet de trabajo")];
        Assert.NotEqual(TextClassifier.KeyOf(examples), TextClassifier.KeyOf(more));
        Assert.NotEqual(TextClassifier.KeyOf(examples), TextClassifier.KeyOf(examples, new TrainingOptions { Epochs = 29 }));
        Assert.Null(store.TryRead(TextClassifier.KeyOf(more), more));
        Assert.Null(store.TryRead(TextClassifier.KeyOf(examples, new TrainingOptions { Epochs = 29 }), examples));
    }

    public static TheoryData<string> Damages() => new() { "one byte flipped", "cut short", "empty", "not a model", "another model's file", "a huge count, checksummed" };

    [Theory]
    [MemberData(nameof(Damages))]
    public void ADamagedFile_IsNeverTrusted_TheModelIsTrainedAgain_AndWrittenWhole(string damage)
    {
        var examples = Unique();
        var store = new ModelStore(_root);
        var key = TextClassifier.KeyOf(examples);
        var trained = TextClassifier.Train(examples, cache: false);
        Assert.True(store.TryWrite(key, trained));
        var path = store.PathOf(key);
        var bytes = File.ReadAllBytes(path);
        switch (damage)
        {
            case "one byte flipped":
                bytes[bytes.Length / 2] ^= 0x40;
                File.WriteAllBytes(path, bytes);
                break;
            case "cut short":
                File.WriteAllBytes(path, bytes[..(bytes.Length - 100)]);
                break;
            case "empty":
                File.WriteAllBytes(path, []);
                break;
            case "not a model":
                File.WriteAllText(path, "{\"weights\": [1, 2, 3]}");
                break;
            case "a huge count, checksummed":
                // The magic, this model's key, then a count of labels no file could hold, with a valid checksum over it all.
                const int magic = 8;
                var body = bytes[..^32];
                Assert.True(body[magic] < 0x80); // the key's length fits in one byte of its prefix
                BitConverter.TryWriteBytes(body.AsSpan(magic + 1 + body[magic], 4), int.MaxValue);
                File.WriteAllBytes(path, [.. body, .. System.Security.Cryptography.SHA256.HashData(body)]);
                break;
            default:
                var other = Unique();
                var otherKey = TextClassifier.KeyOf(other);
                Assert.True(store.TryWrite(otherKey, TextClassifier.Train(other, cache: false)));
                File.Copy(store.PathOf(otherKey), path, overwrite: true); // whole and checksummed, but not this model
                break;
        }

        Assert.Null(store.TryRead(key, examples));
        var again = TextClassifier.Train(examples, store: store);
        Assert.Null(again.ReadTime);
        AssertSameModel(trained, again);
        var reread = store.TryRead(key, examples);
        Assert.NotNull(reread);
        AssertSameModel(trained, reread);
    }

    [Fact]
    public void AStoreThatCannotBeWritten_OnlyCostsTheTraining()
    {
        var blocked = Path.Combine(_root, "a-file");
        File.WriteAllText(blocked, "not a folder");
        var store = new ModelStore(Path.Combine(blocked, "models"));
        var examples = Unique();

        var model = TextClassifier.Train(examples, store: store);

        Assert.Equal("papers", model.Predict(TextNormalizer.WordsOf("permisos de trabajo")).Ranked()[0].Label);
        Assert.False(store.TryWrite(TextClassifier.KeyOf(examples), model));
        Assert.Null(store.TryRead(TextClassifier.KeyOf(examples), examples));
    }

    [Fact]
    public void TheStore_KeepsOnlyTheNewestModels()
    {
        var store = new ModelStore(_root, keep: 3);
        var keys = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var examples = Unique();
            keys.Add(TextClassifier.KeyOf(examples));
            Assert.True(store.TryWrite(keys[^1], TextClassifier.Train(examples, cache: false)));
            File.SetLastWriteTimeUtc(store.PathOf(keys[^1]), new DateTime(2026, 1, 1, 0, 0, i, DateTimeKind.Utc));
        }

        Assert.Equal(3, Directory.GetFiles(_root, "*.model").Length);
        Assert.All(keys[..2], k => Assert.False(File.Exists(store.PathOf(k)))); // the oldest went first
        Assert.All(keys[2..], k => Assert.True(File.Exists(store.PathOf(k))));
    }

    [Fact]
    public void LoadedContent_KeepsItsModelInTheStore()
    {
        using var fixture = new ContentFixture();
        var main = Path.Combine(fixture.Root, "content", "main.yaml");
        // Content no other test loads, so nothing in memory answers first: a word of letters only (digits split a word).
        var word = "tema" + string.Concat(Guid.NewGuid().ToString("N")[..10].Select(c => (char)('a' + Convert.ToInt32(c.ToString(), 16))));
        File.WriteAllText(main, File.ReadAllText(main).Replace("keywords: { es: [un tema]", $"keywords: {{ es: [un tema, {word}]", StringComparison.Ordinal));
        var store = new ModelStore(_root);
        var loaded = ContentLoader.Load(new ContentSources(Path.Combine(fixture.Root, "content"), fixture.FactsPath, fixture.Root) { Models = store }, ContentFixture.Today);

        Assert.NotNull(loaded.Content);
        var inline = loaded.Content.Understander.Classifier;
        Assert.Contains(inline.TrainedOn, e => e.Words.Contains(word));
        Assert.Single(Directory.GetFiles(_root, "*.model")); // the baseline has no translated language: one model
        var read = store.TryRead(TextClassifier.KeyOf(inline.TrainedOn), inline.TrainedOn);
        Assert.NotNull(read);
        AssertSameModel(inline, read);
    }
}
