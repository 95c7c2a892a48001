//! The job's JSON as the Rust client's messages, and the client's answers as the JSON the test reads
//! (test/support/client-e2e.ts defines both shapes).

use std::collections::HashMap;

use qdrant_client::qdrant::{
    point_id::PointIdOptions, value::Kind, vector_output::Vector, Distance, ListValue, PointId, RetrievedPoint,
    ScoredPoint, Struct, Value as QValue, VectorParams, VectorsOutput,
};
use qdrant_client::{Payload, QdrantError};
use serde_json::{json, Map, Value};

pub fn floats(v: &Value) -> Vec<f32> {
    v.as_array()
        .expect("an array of numbers")
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

/// A job's JSON value as the client's payload value (the crate's own conversion needs its `serde` feature).
pub fn value_of(v: &Value) -> QValue {
    let kind = match v {
        Value::String(s) => Kind::StringValue(s.clone()),
        Value::Bool(b) => Kind::BoolValue(*b),
        Value::Number(n) if n.is_i64() => Kind::IntegerValue(n.as_i64().unwrap()),
        Value::Number(n) => Kind::DoubleValue(n.as_f64().unwrap()),
        Value::Array(a) => Kind::ListValue(ListValue {
            values: a.iter().map(value_of).collect(),
        }),
        Value::Object(o) => Kind::StructValue(Struct {
            fields: o.iter().map(|(k, x)| (k.clone(), value_of(x))).collect(),
        }),
        Value::Null => Kind::NullValue(0),
    };
    QValue { kind: Some(kind) }
}

pub fn payload_of(v: &Value) -> Payload {
    let fields: HashMap<String, QValue> = v
        .as_object()
        .expect("a payload object")
        .iter()
        .map(|(k, x)| (k.clone(), value_of(x)))
        .collect();
    Payload::from(fields)
}

/// A job's point id: a number, or a UUID string.
pub fn point_id(v: &Value) -> PointId {
    match v {
        Value::String(s) => s.clone().into(),
        n => n.as_u64().expect("an unsigned id").into(),
    }
}

pub fn id_json(id: Option<&PointId>) -> Value {
    match id.and_then(|p| p.point_id_options.as_ref()) {
        Some(PointIdOptions::Num(n)) => json!(n),
        Some(PointIdOptions::Uuid(u)) => json!(u),
        None => Value::Null,
    }
}

pub fn value_json(v: &QValue) -> Value {
    match &v.kind {
        Some(Kind::StringValue(s)) => json!(s),
        Some(Kind::IntegerValue(i)) => json!(i),
        Some(Kind::DoubleValue(d)) => json!(d),
        Some(Kind::BoolValue(b)) => json!(b),
        Some(Kind::ListValue(l)) => Value::Array(l.values.iter().map(value_json).collect()),
        Some(Kind::StructValue(s)) => payload_json(&s.fields),
        Some(Kind::NullValue(_)) | None => Value::Null,
    }
}

pub fn payload_json(p: &HashMap<String, QValue>) -> Value {
    Value::Object(p.iter().map(|(k, v)| (k.clone(), value_json(v))).collect::<Map<_, _>>())
}

pub fn dense(v: Vector) -> Value {
    match v {
        Vector::Dense(d) => json!(d.data),
        other => json!(format!("not dense: {other:?}")),
    }
}

pub fn vectors_json(v: Option<&VectorsOutput>, names: &[&str]) -> Value {
    let Some(v) = v else { return Value::Null };
    if names.is_empty() {
        return v.get_vector().map(dense).unwrap_or(Value::Null);
    }
    let mut out = Map::new();
    for name in names {
        out.insert(
            (*name).into(),
            v.get_vector_by_name(name).map(dense).unwrap_or(Value::Null),
        );
    }
    Value::Object(out)
}

pub fn scored(points: &[ScoredPoint]) -> Value {
    Value::Array(
        points
            .iter()
            .map(|p| json!({ "id": id_json(p.id.as_ref()), "score": p.score, "payload": payload_json(&p.payload) }))
            .collect(),
    )
}

pub fn records(points: &[RetrievedPoint], vectors: &[&str]) -> Value {
    Value::Array(
        points
            .iter()
            .map(|p| {
                let mut o = json!({ "id": id_json(p.id.as_ref()), "payload": payload_json(&p.payload) });
                if p.vectors.is_some() {
                    o["vectors"] = vectors_json(p.vectors.as_ref(), vectors);
                }
                o
            })
            .collect(),
    )
}

pub fn params_json(p: &VectorParams) -> Value {
    json!({ "size": p.size, "distance": Distance::try_from(p.distance).map(|d| d.as_str_name()).unwrap_or("?") })
}

pub fn status_json(err: QdrantError) -> Value {
    match err {
        QdrantError::ResponseError { status } | QdrantError::ResourceExhaustedError { status, .. } => {
            json!({ "code": i32::from(status.code()), "message": status.message() })
        }
        other => json!({ "code": null, "message": other.to_string() }),
    }
}
