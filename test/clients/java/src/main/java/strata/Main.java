package strata;

import static strata.Convert.floats;
import static strata.Convert.idJson;
import static strata.Convert.infoJson;
import static strata.Convert.payloadOf;
import static strata.Convert.pointId;
import static strata.Convert.records;
import static strata.Convert.scored;
import static strata.Convert.statusOf;
import static io.qdrant.client.ConditionFactory.matchKeyword;
import static io.qdrant.client.ConditionFactory.range;
import static io.qdrant.client.PointIdFactory.id;
import static io.qdrant.client.QueryFactory.nearest;
import static io.qdrant.client.ValueFactory.value;
import static io.qdrant.client.VectorFactory.vector;
import static io.qdrant.client.VectorsFactory.namedVectors;
import static io.qdrant.client.VectorsFactory.vectors;
import static io.qdrant.client.WithPayloadSelectorFactory.enable;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.qdrant.client.QdrantClient;
import io.qdrant.client.QdrantGrpcClient;
import io.qdrant.client.WithVectorsSelectorFactory;
import io.qdrant.client.grpc.Collections.AliasDescription;
import io.qdrant.client.grpc.Collections.CreateCollection;
import io.qdrant.client.grpc.Collections.Distance;
import io.qdrant.client.grpc.Collections.HnswConfigDiff;
import io.qdrant.client.grpc.Collections.OptimizersConfigDiff;
import io.qdrant.client.grpc.Collections.PayloadSchemaType;
import io.qdrant.client.grpc.Collections.QuantizationConfig;
import io.qdrant.client.grpc.Collections.QuantizationType;
import io.qdrant.client.grpc.Collections.ScalarQuantization;
import io.qdrant.client.grpc.Collections.UpdateCollection;
import io.qdrant.client.grpc.Collections.VectorParams;
import io.qdrant.client.grpc.Collections.VectorsConfig;
import io.qdrant.client.grpc.Common.Condition;
import io.qdrant.client.grpc.Common.Filter;
import io.qdrant.client.grpc.Common.Range;
import io.qdrant.client.grpc.QdrantOuterClass.HealthCheckReply;
import io.qdrant.client.grpc.Points.PointStruct;
import io.qdrant.client.grpc.Points.QuantizationSearchParams;
import io.qdrant.client.grpc.Points.QueryPoints;
import io.qdrant.client.grpc.Points.ScoredPoint;
import io.qdrant.client.grpc.Points.ScrollPoints;
import io.qdrant.client.grpc.Points.ScrollResponse;
import io.qdrant.client.grpc.Points.SearchParams;
import io.qdrant.client.grpc.Points.SearchPoints;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/**
 * Drives Strata's gRPC API through the official Java client (io.qdrant:client, pinned in pom.xml): collections with
 * an unnamed and with named vectors, upsert with payload, search and query with filters, retrieve, scroll, count,
 * set payload, delete points, collection info, aliases, errors and delete collection. Run by
 * test/e2e/java-client.test.ts through test/support/client-e2e.ts, which defines the job read on stdin and the one
 * JSON object printed on stdout (the same contract as the Rust program). Nothing is checked here: every answer
 * reaches the test's assertions; a failing call exits non-zero with the client's error on stderr.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    JsonObject job =
        JsonParser.parseReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).getAsJsonObject();
    QdrantClient client =
        new QdrantClient(
            QdrantGrpcClient.newBuilder("127.0.0.1", job.get("port").getAsInt(), false)
                .withApiKey(job.get("api_key").getAsString())
                .build());
    try {
      System.out.println(run(client, job));
    } catch (ExecutionException e) {
      System.err.println(e.getCause());
      System.exit(1);
    } finally {
      client.close();
    }
  }

  private static JsonObject run(QdrantClient client, JsonObject job) throws Exception {
    String prefix = job.get("prefix").getAsString();
    String plain = prefix + "-plain";
    String named = prefix + "-named";
    long dim = job.get("dim").getAsLong();
    JsonObject out = new JsonObject();
    HealthCheckReply health = client.healthCheckAsync().get();
    JsonObject h = new JsonObject();
    h.addProperty("title", health.getTitle());
    h.addProperty("version", health.getVersion());
    out.add("health", h);

    client.createCollectionAsync(plain, params(dim, Distance.Cosine)).get();
    Map<String, VectorParams> namedParams = new HashMap<>();
    namedParams.put("image", params(dim, Distance.Dot));
    namedParams.put("text", params(job.get("text_dim").getAsLong(), Distance.Euclid));
    client.createCollectionAsync(named, namedParams).get();

    List<PointStruct> points = new ArrayList<>();
    for (JsonElement e : job.getAsJsonArray("points")) {
      JsonObject p = e.getAsJsonObject();
      points.add(
          PointStruct.newBuilder()
              .setId(id(p.get("id").getAsLong()))
              .setVectors(vectors(floats(p.get("vector"))))
              .putAllPayload(payloadOf(p.getAsJsonObject("payload")))
              .build());
    }
    out.add("guide", guide(client, job, prefix, points));
    client.upsertAsync(plain, points).get();
    List<PointStruct> namedPoints = new ArrayList<>();
    for (JsonElement e : job.getAsJsonArray("named_points")) {
      JsonObject p = e.getAsJsonObject();
      Map<String, io.qdrant.client.grpc.Points.Vector> vs = new HashMap<>();
      vs.put("image", vector(floats(p.get("image"))));
      vs.put("text", vector(floats(p.get("text"))));
      namedPoints.add(
          PointStruct.newBuilder()
              .setId(pointId(p.get("id")))
              .setVectors(namedVectors(vs))
              .putAllPayload(payloadOf(p.getAsJsonObject("payload")))
              .build());
    }
    client.upsertAsync(named, namedPoints).get();

    out.add("info_plain", infoJson(client.getCollectionInfoAsync(plain).get()));
    out.add("info_named", infoJson(client.getCollectionInfoAsync(named).get()));

    client.createPayloadIndexAsync(plain, "g", PayloadSchemaType.Keyword, null, true, null, null).get();
    client
        .updateCollectionAsync(
            UpdateCollection.newBuilder()
                .setCollectionName(plain)
                .setOptimizersConfig(OptimizersConfigDiff.newBuilder().setIndexingThreshold(10_000))
                .build())
        .get();
    JsonObject indexed = new JsonObject();
    client
        .getCollectionInfoAsync(plain)
        .get()
        .getPayloadSchemaMap()
        .forEach((field, info) -> indexed.addProperty(field, info.getDataType().name()));
    out.add("indexed", indexed);

    List<Float> query = floats(job.get("query"));
    out.add(
        "search",
        scored(
            client
                .searchAsync(
                    SearchPoints.newBuilder()
                        .setCollectionName(plain)
                        .addAllVector(query)
                        .setFilter(gFilter("g1"))
                        .setLimit(5)
                        .setWithPayload(enable(true))
                        .build())
                .get()));
    out.add(
        "query",
        scored(
            client
                .queryAsync(
                    QueryPoints.newBuilder()
                        .setCollectionName(plain)
                        .setQuery(nearest(query))
                        .setFilter(gFilter("g2"))
                        .setParams(SearchParams.newBuilder().setExact(true).build())
                        .setWithPayload(enable(true))
                        .setLimit(5)
                        .build())
                .get()));
    Filter rankFrom =
        Filter.newBuilder().addMust(range("rank", Range.newBuilder().setGte(10).build())).build();
    out.add(
        "query_named",
        scored(
            client
                .queryAsync(
                    QueryPoints.newBuilder()
                        .setCollectionName(named)
                        .setQuery(nearest(floats(job.get("text_query"))))
                        .setUsing("text")
                        .setFilter(rankFrom)
                        .setLimit(3)
                        .build())
                .get()));

    out.add(
        "get",
        records(
            client
                .retrieveAsync(
                    plain,
                    List.of(id(1), id(7)),
                    enable(true),
                    WithVectorsSelectorFactory.enable(true),
                    null)
                .get(),
            List.of()));
    out.add(
        "get_named",
        records(
            client
                .retrieveAsync(
                    named,
                    List.of(id(2), pointId(job.get("uuid"))),
                    enable(true),
                    WithVectorsSelectorFactory.enable(true),
                    null)
                .get(),
            List.of("image", "text")));

    ScrollResponse page =
        client
            .scrollAsync(
                ScrollPoints.newBuilder()
                    .setCollectionName(plain)
                    .setFilter(gFilter("g2"))
                    .setLimit(4)
                    .setWithPayload(enable(true))
                    .build())
            .get();
    JsonObject scroll = new JsonObject();
    scroll.add("points", records(page.getResultList(), List.of()));
    scroll.add("next", page.hasNextPageOffset() ? idJson(page.getNextPageOffset()) : JsonNull.INSTANCE);
    out.add("scroll", scroll);
    out.addProperty("count", client.countAsync(plain, gFilter("g2"), true).get());

    client.setPayloadAsync(plain, Map.of("color", value("red")), List.of(id(1), id(2)), true, null, null).get();
    out.add("after_set", records(client.retrieveAsync(plain, List.of(id(1), id(2)), null).get(), List.of()));

    client.deleteAsync(plain, List.of(id(3), id(4))).get();
    client.deleteAsync(plain, gFilter("g3")).get();
    out.addProperty("count_after_delete", client.countAsync(plain, null, true).get());

    String alias = prefix + "-alias";
    String renamed = prefix + "-alias2";
    JsonObject steps = new JsonObject();
    client.createAliasAsync(alias, plain).get();
    steps.add("created", aliases(client, prefix));
    JsonArray via = new JsonArray();
    for (ScoredPoint p :
        client
            .queryAsync(
                QueryPoints.newBuilder().setCollectionName(alias).setQuery(nearest(query)).setLimit(3).build())
            .get()) via.add(idJson(p.getId()));
    steps.add("via_alias", via);
    JsonArray ofPlain = new JsonArray();
    for (String a : client.listCollectionAliasesAsync(plain).get()) ofPlain.add(a);
    steps.add("of_collection", ofPlain);
    client.renameAliasAsync(alias, renamed).get();
    steps.add("renamed", aliases(client, prefix));
    client.deleteAliasAsync(renamed).get();
    steps.add("deleted", aliases(client, prefix));
    out.add("aliases", steps);

    PointStruct wrongDim =
        PointStruct.newBuilder().setId(id(900)).setVectors(vectors(0.1f, 0.2f)).build();
    out.add("bad_dim", statusOf(client.upsertAsync(plain, List.of(wrongDim))));
    QdrantClient wrongKey =
        new QdrantClient(
            QdrantGrpcClient.newBuilder("127.0.0.1", job.get("port").getAsInt(), false, false)
                .withApiKey("wrong-key")
                .build());
    out.add("wrong_key", statusOf(wrongKey.countAsync(plain)));
    wrongKey.close();
    out.add("missing", statusOf(client.getCollectionInfoAsync(prefix + "-missing")));
    // a condition with no condition in it: Qdrant's malformed-filter answer
    Filter empty = Filter.newBuilder().addMust(Condition.newBuilder().build()).build();
    out.add("malformed_filter", statusOf(client.countAsync(plain, empty, true)));

    client.deleteCollectionAsync(named).get();
    out.addProperty("exists_after_delete", client.collectionExistsAsync(named).get());
    JsonArray names = new JsonArray();
    client.listCollectionsAsync().get().stream().filter(n -> n.startsWith(prefix)).sorted().forEach(names::add);
    out.add("collections", names);
    return out;
  }

  /**
   * The Java calls of Qdrant's "Optimize Performance" guide: the three scenarios' create calls, the two
   * segment-number configs, then the rescore:false query and the hnsw_ef/exact query on the first scenario's data.
   */
  private static JsonObject guide(QdrantClient client, JsonObject job, String prefix, List<PointStruct> points)
      throws Exception {
    long dim = job.get("dim").getAsLong();
    VectorParams onDisk = params(dim, Distance.Cosine).toBuilder().setOnDisk(true).build();
    ScalarQuantization int8 =
        ScalarQuantization.newBuilder().setType(QuantizationType.Int8).setAlwaysRam(true).build();
    String speed = prefix + "-speed-low-memory";
    create(
        client,
        CreateCollection.newBuilder()
            .setCollectionName(speed)
            .setVectorsConfig(VectorsConfig.newBuilder().setParams(onDisk))
            .setQuantizationConfig(QuantizationConfig.newBuilder().setScalar(int8)));
    create(
        client,
        CreateCollection.newBuilder()
            .setCollectionName(prefix + "-precision-low-memory")
            .setVectorsConfig(VectorsConfig.newBuilder().setParams(onDisk))
            .setHnswConfig(HnswConfigDiff.newBuilder().setOnDisk(true)));
    create(
        client,
        CreateCollection.newBuilder()
            .setCollectionName(prefix + "-precision-speed")
            .setVectorsConfig(VectorsConfig.newBuilder().setParams(params(dim, Distance.Cosine)))
            .setQuantizationConfig(
                QuantizationConfig.newBuilder().setScalar(int8.toBuilder().setQuantile(0.99f))));
    create(
        client,
        CreateCollection.newBuilder()
            .setCollectionName(prefix + "-many-segments")
            .setVectorsConfig(VectorsConfig.newBuilder().setParams(params(dim, Distance.Cosine)))
            .setOptimizersConfig(OptimizersConfigDiff.newBuilder().setDefaultSegmentNumber(16)));
    create(
        client,
        CreateCollection.newBuilder()
            .setCollectionName(prefix + "-large-segments")
            .setVectorsConfig(VectorsConfig.newBuilder().setParams(params(dim, Distance.Cosine)))
            .setOptimizersConfig(
                OptimizersConfigDiff.newBuilder().setDefaultSegmentNumber(2).setMaxSegmentSize(5_000_000)));

    client.upsertAsync(speed, points).get();
    List<Float> query = floats(job.get("query"));
    JsonObject out = new JsonObject();
    out.add(
        "no_rescore",
        scored(
            client
                .queryAsync(
                    QueryPoints.newBuilder()
                        .setCollectionName(speed)
                        .setQuery(nearest(query))
                        .setParams(
                            SearchParams.newBuilder()
                                .setQuantization(QuantizationSearchParams.newBuilder().setRescore(false)))
                        .build())
                .get()));
    out.add(
        "exact",
        scored(
            client
                .queryAsync(
                    QueryPoints.newBuilder()
                        .setCollectionName(speed)
                        .setQuery(nearest(query))
                        .setFilter(gFilter("g1"))
                        .setParams(SearchParams.newBuilder().setHnswEf(128).setExact(true))
                        .setWithPayload(enable(true))
                        .setLimit(5)
                        .build())
                .get()));
    return out;
  }

  private static void create(QdrantClient client, CreateCollection.Builder request) throws Exception {
    client.createCollectionAsync(request.build()).get();
  }

  private static VectorParams params(long size, Distance distance) {
    return VectorParams.newBuilder().setSize(size).setDistance(distance).build();
  }

  private static Filter gFilter(String g) {
    return Filter.newBuilder().addMust(matchKeyword("g", g)).build();
  }

  private static JsonArray aliases(QdrantClient client, String prefix) throws Exception {
    JsonArray out = new JsonArray();
    List<AliasDescription> list = new ArrayList<>(client.listAliasesAsync().get());
    list.sort(Comparator.comparing(AliasDescription::getAliasName));
    for (AliasDescription a : list) {
      if (!a.getAliasName().startsWith(prefix)) continue;
      JsonObject o = new JsonObject();
      o.addProperty("alias", a.getAliasName());
      o.addProperty("collection", a.getCollectionName());
      out.add(o);
    }
    return out;
  }

}
