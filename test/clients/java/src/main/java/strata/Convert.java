package strata;

import static io.qdrant.client.PointIdFactory.id;
import static io.qdrant.client.ValueFactory.value;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.grpc.StatusRuntimeException;
import io.qdrant.client.ValueFactory;
import io.qdrant.client.VectorOutputHelper;
import io.qdrant.client.grpc.Collections.CollectionInfo;
import io.qdrant.client.grpc.Collections.VectorParams;
import io.qdrant.client.grpc.Collections.VectorsConfig;
import io.qdrant.client.grpc.Common.PointId;
import io.qdrant.client.grpc.JsonWithInt.Value;
import io.qdrant.client.grpc.Points.RetrievedPoint;
import io.qdrant.client.grpc.Points.ScoredPoint;
import io.qdrant.client.grpc.Points.VectorOutput;
import io.qdrant.client.grpc.Points.VectorsOutput;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * The job's JSON as the Java client's messages, and the client's answers as the JSON the test reads
 * (test/support/client-e2e.ts defines both shapes).
 */
final class Convert {
  private Convert() {}

  static List<Float> floats(JsonElement e) {
    List<Float> out = new ArrayList<>();
    for (JsonElement x : e.getAsJsonArray()) out.add(x.getAsFloat());
    return out;
  }

  static Map<String, Value> payloadOf(JsonObject o) {
    Map<String, Value> out = new HashMap<>();
    for (Map.Entry<String, JsonElement> e : o.entrySet()) out.put(e.getKey(), valueOf(e.getValue()));
    return out;
  }

  static Value valueOf(JsonElement e) {
    if (e.isJsonNull()) return ValueFactory.nullValue();
    if (e.isJsonArray()) {
      List<Value> values = new ArrayList<>();
      for (JsonElement x : e.getAsJsonArray()) values.add(valueOf(x));
      return ValueFactory.list(values);
    }
    if (e.isJsonObject()) return value(payloadOf(e.getAsJsonObject()));
    JsonPrimitive p = e.getAsJsonPrimitive();
    if (p.isString()) return value(p.getAsString());
    if (p.isBoolean()) return value(p.getAsBoolean());
    // JSON has one number type; the job's integers stay integers, as every other client sends them
    if (p.getAsString().matches("-?\\d+")) return value(p.getAsLong());
    return value(p.getAsDouble());
  }

  /** A job's point id: a number, or a UUID string. */
  static PointId pointId(JsonElement e) {
    JsonPrimitive p = e.getAsJsonPrimitive();
    return p.isString() ? id(UUID.fromString(p.getAsString())) : id(p.getAsLong());
  }

  static JsonElement valueJson(Value v) {
    switch (v.getKindCase()) {
      case STRING_VALUE:
        return new JsonPrimitive(v.getStringValue());
      case INTEGER_VALUE:
        return new JsonPrimitive(v.getIntegerValue());
      case DOUBLE_VALUE:
        return new JsonPrimitive(v.getDoubleValue());
      case BOOL_VALUE:
        return new JsonPrimitive(v.getBoolValue());
      case LIST_VALUE:
        JsonArray a = new JsonArray();
        for (Value x : v.getListValue().getValuesList()) a.add(valueJson(x));
        return a;
      case STRUCT_VALUE:
        return payloadJson(v.getStructValue().getFieldsMap());
      default:
        return JsonNull.INSTANCE;
    }
  }

  static JsonObject payloadJson(Map<String, Value> payload) {
    JsonObject o = new JsonObject();
    payload.forEach((k, v) -> o.add(k, valueJson(v)));
    return o;
  }

  static JsonElement idJson(PointId id) {
    return id.hasNum() ? new JsonPrimitive(id.getNum()) : new JsonPrimitive(id.getUuid());
  }

  static JsonArray dense(VectorOutput v) {
    JsonArray a = new JsonArray();
    for (float x : VectorOutputHelper.getDenseVector(v).getDataList()) a.add(x);
    return a;
  }

  static JsonElement vectorsJson(VectorsOutput v, List<String> names) {
    if (names.isEmpty()) return v.hasVector() ? dense(v.getVector()) : JsonNull.INSTANCE;
    JsonObject o = new JsonObject();
    Map<String, VectorOutput> byName = v.getVectors().getVectorsMap();
    for (String name : names) o.add(name, byName.containsKey(name) ? dense(byName.get(name)) : JsonNull.INSTANCE);
    return o;
  }

  static JsonArray scored(List<ScoredPoint> points) {
    JsonArray out = new JsonArray();
    for (ScoredPoint p : points) {
      JsonObject o = new JsonObject();
      o.add("id", idJson(p.getId()));
      o.addProperty("score", p.getScore());
      o.add("payload", payloadJson(p.getPayloadMap()));
      out.add(o);
    }
    return out;
  }

  static JsonArray records(List<RetrievedPoint> points, List<String> names) {
    JsonArray out = new JsonArray();
    for (RetrievedPoint p : points) {
      JsonObject o = new JsonObject();
      o.add("id", idJson(p.getId()));
      o.add("payload", payloadJson(p.getPayloadMap()));
      if (p.hasVectors()) o.add("vectors", vectorsJson(p.getVectors(), names));
      out.add(o);
    }
    return out;
  }

  static JsonObject infoJson(CollectionInfo info) {
    JsonObject o = new JsonObject();
    o.addProperty("status", info.getStatusValue());
    o.addProperty("points_count", info.getPointsCount());
    VectorsConfig config = info.getConfig().getParams().getVectorsConfig();
    if (config.hasParams()) o.add("vectors", paramsJson(config.getParams()));
    else {
      JsonObject byName = new JsonObject();
      config.getParamsMap().getMapMap().forEach((k, p) -> byName.add(k, paramsJson(p)));
      o.add("vectors", byName);
    }
    return o;
  }

  static JsonObject paramsJson(VectorParams p) {
    JsonObject o = new JsonObject();
    o.addProperty("size", p.getSize());
    o.addProperty("distance", p.getDistance().name());
    return o;
  }

  /** The gRPC status a call failed with, or null when it succeeded (the test then says what was expected). */
  static JsonElement statusOf(Future<?> call) throws InterruptedException {
    try {
      call.get();
      return JsonNull.INSTANCE;
    } catch (ExecutionException e) {
      JsonObject o = new JsonObject();
      if (e.getCause() instanceof StatusRuntimeException) {
        StatusRuntimeException s = (StatusRuntimeException) e.getCause();
        o.addProperty("code", s.getStatus().getCode().value());
        o.addProperty("message", s.getStatus().getDescription());
      } else {
        o.add("code", JsonNull.INSTANCE);
        o.addProperty("message", String.valueOf(e.getCause()));
      }
      return o;
    }
  }
}
