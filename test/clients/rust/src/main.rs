//! Drives Strata's gRPC API through the official Rust client (the `qdrant-client` crate, pinned in Cargo.toml and
//! Cargo.lock): collections with an unnamed and with named vectors, upsert with payload, search and query with
//! filters, retrieve, scroll, count, set payload, delete points, collection info, aliases, errors and delete
//! collection. Run by test/e2e/rust-client.test.ts through test/support/client-e2e.ts, which defines the job read on
//! stdin and the one JSON object printed on stdout (the same contract as the Java program). Nothing is checked here:
//! every answer reaches the test's assertions; a failing call exits non-zero with the client's error on stderr.

mod convert;

use std::collections::HashMap;

use qdrant_client::config::CompressionEncoding;
use qdrant_client::qdrant::{
    condition::ConditionOneOf, vectors_config, Condition, CountPointsBuilder, CreateAliasBuilder,
    CreateCollectionBuilder, CreateFieldIndexCollectionBuilder, DeletePointsBuilder, Distance, FieldType, Filter,
    GetPointsBuilder, HnswConfigDiffBuilder, OptimizersConfigDiffBuilder, PayloadSchemaType, PointStruct,
    PointsIdsList, QuantizationSearchParamsBuilder, QuantizationType, QueryPointsBuilder, Range, RenameAliasBuilder,
    ScalarQuantizationBuilder, ScrollPointsBuilder, SearchParamsBuilder, SearchPointsBuilder, SetPayloadPointsBuilder,
    UpdateCollectionBuilder, UpsertPointsBuilder, VectorParamsBuilder, VectorsConfigBuilder,
};
use qdrant_client::{Payload, Qdrant, QdrantError};
use serde_json::{json, Map, Value};

use convert::{floats, id_json, params_json, payload_of, point_id, records, scored, status_json};

type Res<T> = Result<T, QdrantError>;

fn g_filter(v: &str) -> Filter {
    Filter::must([Condition::matches("g", v.to_string())])
}

async fn aliases(client: &Qdrant, prefix: &str) -> Res<Value> {
    let mut list: Vec<(String, String)> = client
        .list_aliases()
        .await?
        .aliases
        .into_iter()
        .filter(|a| a.alias_name.starts_with(prefix))
        .map(|a| (a.alias_name, a.collection_name))
        .collect();
    list.sort();
    Ok(Value::Array(
        list.into_iter()
            .map(|(a, c)| json!({ "alias": a, "collection": c }))
            .collect(),
    ))
}

/// The Rust calls of Qdrant's "Optimize Performance" guide: the three scenarios' create calls, the two
/// segment-number configs, then the rescore:false query and the hnsw_ef/exact query on the first scenario's data.
async fn guide(client: &Qdrant, job: &Value, prefix: &str, points: Vec<PointStruct>) -> Res<Value> {
    let dim = job["dim"].as_u64().unwrap();
    let cosine = || VectorParamsBuilder::new(dim, Distance::Cosine);
    let int8 = || {
        ScalarQuantizationBuilder::default()
            .r#type(QuantizationType::Int8.into())
            .always_ram(true)
    };
    let speed = format!("{prefix}-speed-low-memory");
    client
        .create_collection(
            CreateCollectionBuilder::new(&speed)
                .vectors_config(cosine().on_disk(true))
                .quantization_config(int8().build()),
        )
        .await?;
    client
        .create_collection(
            CreateCollectionBuilder::new(format!("{prefix}-precision-low-memory"))
                .vectors_config(cosine().on_disk(true))
                .hnsw_config(HnswConfigDiffBuilder::default().on_disk(true)),
        )
        .await?;
    client
        .create_collection(
            CreateCollectionBuilder::new(format!("{prefix}-precision-speed"))
                .vectors_config(cosine())
                .quantization_config(int8().quantile(0.99).build()),
        )
        .await?;
    client
        .create_collection(
            CreateCollectionBuilder::new(format!("{prefix}-many-segments"))
                .vectors_config(cosine())
                .optimizers_config(OptimizersConfigDiffBuilder::default().default_segment_number(16)),
        )
        .await?;
    client
        .create_collection(
            CreateCollectionBuilder::new(format!("{prefix}-large-segments"))
                .vectors_config(cosine())
                .optimizers_config(
                    OptimizersConfigDiffBuilder::default()
                        .default_segment_number(2)
                        .max_segment_size(5_000_000),
                ),
        )
        .await?;

    client
        .upsert_points(UpsertPointsBuilder::new(&speed, points).wait(true))
        .await?;
    let query = floats(&job["query"]);
    let no_rescore = client
        .query(QueryPointsBuilder::new(&speed).query(query.clone()).params(
            SearchParamsBuilder::default().quantization(QuantizationSearchParamsBuilder::default().rescore(false)),
        ))
        .await?;
    let exact = client
        .query(
            QueryPointsBuilder::new(&speed)
                .query(query)
                .filter(g_filter("g1"))
                .params(SearchParamsBuilder::default().hnsw_ef(128).exact(true))
                .with_payload(true)
                .limit(5),
        )
        .await?;
    Ok(json!({ "no_rescore": scored(&no_rescore.result), "exact": scored(&exact.result) }))
}

async fn run(job: Value) -> Res<Value> {
    let prefix = job["prefix"].as_str().unwrap().to_string();
    let plain = format!("{prefix}-plain");
    let named = format!("{prefix}-named");
    let dim = job["dim"].as_u64().unwrap();
    let text_dim = job["text_dim"].as_u64().unwrap();
    let client = Qdrant::from_url(&format!("http://127.0.0.1:{}", job["port"]))
        .api_key(job["api_key"].as_str().unwrap().to_string())
        .build()?;
    let mut out = Map::new();
    // the client's own version check already ran in build(): it prints to stdout on a mismatch, which the test's
    // JSON parse of stdout would reject
    let health = client.health_check().await?;
    out.insert(
        "health".into(),
        json!({ "title": health.title, "version": health.version }),
    );

    client
        .create_collection(
            CreateCollectionBuilder::new(&plain).vectors_config(VectorParamsBuilder::new(dim, Distance::Cosine)),
        )
        .await?;
    let mut named_config = VectorsConfigBuilder::default();
    named_config.add_named_vector_params("image", VectorParamsBuilder::new(dim, Distance::Dot));
    named_config.add_named_vector_params("text", VectorParamsBuilder::new(text_dim, Distance::Euclid));
    client
        .create_collection(CreateCollectionBuilder::new(&named).vectors_config(named_config))
        .await?;

    let points: Vec<PointStruct> = job["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let payload = payload_of(&p["payload"]);
            PointStruct::new(p["id"].as_u64().unwrap(), floats(&p["vector"]), payload)
        })
        .collect();
    out.insert("guide".into(), guide(&client, &job, &prefix, points.clone()).await?);
    client
        .upsert_points(UpsertPointsBuilder::new(&plain, points).wait(true))
        .await?;
    let named_points: Vec<PointStruct> = job["named_points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let vectors: HashMap<String, Vec<f32>> = HashMap::from([
                ("image".into(), floats(&p["image"])),
                ("text".into(), floats(&p["text"])),
            ]);
            PointStruct::new(point_id(&p["id"]), vectors, payload_of(&p["payload"]))
        })
        .collect();
    client
        .upsert_points(UpsertPointsBuilder::new(&named, named_points).wait(true))
        .await?;

    let info = client.collection_info(&plain).await?.result.unwrap();
    let params = info
        .config
        .as_ref()
        .and_then(|c| c.params.as_ref())
        .and_then(|p| p.vectors_config.as_ref());
    let mut plain_info = json!({ "status": info.status, "points_count": info.points_count });
    if let Some(vectors_config::Config::Params(p)) = params.and_then(|v| v.config.as_ref()) {
        plain_info["vectors"] = params_json(p);
    }
    out.insert("info_plain".into(), plain_info);
    let info = client.collection_info(&named).await?.result.unwrap();
    let params = info
        .config
        .as_ref()
        .and_then(|c| c.params.as_ref())
        .and_then(|p| p.vectors_config.as_ref());
    let mut named_info = json!({ "status": info.status, "points_count": info.points_count });
    if let Some(vectors_config::Config::ParamsMap(m)) = params.and_then(|v| v.config.as_ref()) {
        named_info["vectors"] = Value::Object(m.map.iter().map(|(k, p)| (k.clone(), params_json(p))).collect());
    }
    out.insert("info_named".into(), named_info);

    client
        .create_field_index(CreateFieldIndexCollectionBuilder::new(&plain, "g", FieldType::Keyword).wait(true))
        .await?;
    client
        .update_collection(
            UpdateCollectionBuilder::new(&plain)
                .optimizers_config(OptimizersConfigDiffBuilder::default().indexing_threshold(10_000)),
        )
        .await?;
    let schema = client.collection_info(&plain).await?.result.unwrap().payload_schema;
    let indexed: Map<String, Value> = schema
        .iter()
        .map(|(field, info)| {
            let name = PayloadSchemaType::try_from(info.data_type)
                .map(|t| t.as_str_name())
                .unwrap_or("?");
            (field.clone(), json!(name))
        })
        .collect();
    out.insert("indexed".into(), Value::Object(indexed));

    let query = floats(&job["query"]);
    let found = client
        .search_points(
            SearchPointsBuilder::new(&plain, query.clone(), 5)
                .filter(g_filter("g1"))
                .with_payload(true),
        )
        .await?;
    out.insert("search".into(), scored(&found.result));
    let found = client
        .query(
            QueryPointsBuilder::new(&plain)
                .query(query.clone())
                .filter(g_filter("g2"))
                .params(SearchParamsBuilder::default().exact(true))
                .with_payload(true)
                .limit(5),
        )
        .await?;
    out.insert("query".into(), scored(&found.result));
    // the same query from a client that gzips its messages (and asks for gzipped answers)
    let gzip = Qdrant::from_url(&format!("http://127.0.0.1:{}", job["port"]))
        .api_key(job["api_key"].as_str().unwrap().to_string())
        .compression(Some(CompressionEncoding::Gzip))
        .build()?;
    let found = gzip
        .query(
            QueryPointsBuilder::new(&plain)
                .query(query.clone())
                .filter(g_filter("g2"))
                .params(SearchParamsBuilder::default().exact(true))
                .with_payload(true)
                .limit(5),
        )
        .await?;
    out.insert("query_gzip".into(), scored(&found.result));
    let rank_from = Filter::must([Condition::range(
        "rank",
        Range {
            gte: Some(10.0),
            ..Default::default()
        },
    )]);
    let found = client
        .query(
            QueryPointsBuilder::new(&named)
                .query(floats(&job["text_query"]))
                .using("text")
                .filter(rank_from)
                .limit(3),
        )
        .await?;
    out.insert("query_named".into(), scored(&found.result));

    let got = client
        .get_points(
            GetPointsBuilder::new(&plain, vec![1.into(), 7.into()])
                .with_payload(true)
                .with_vectors(true),
        )
        .await?;
    out.insert("get".into(), records(&got.result, &[]));
    let ids = vec![2.into(), point_id(&job["uuid"])];
    let got = client
        .get_points(GetPointsBuilder::new(&named, ids).with_payload(true).with_vectors(true))
        .await?;
    out.insert("get_named".into(), records(&got.result, &["image", "text"]));

    let page = client
        .scroll(
            ScrollPointsBuilder::new(&plain)
                .filter(g_filter("g2"))
                .limit(4)
                .with_payload(true),
        )
        .await?;
    out.insert(
        "scroll".into(),
        json!({ "points": records(&page.result, &[]), "next": id_json(page.next_page_offset.as_ref()) }),
    );
    let count = client
        .count(CountPointsBuilder::new(&plain).filter(g_filter("g2")).exact(true))
        .await?;
    out.insert("count".into(), json!(count.result.map(|c| c.count)));

    let color = payload_of(&json!({ "color": "red" }));
    client
        .set_payload(
            SetPayloadPointsBuilder::new(&plain, color)
                .points_selector(PointsIdsList {
                    ids: vec![1.into(), 2.into()],
                })
                .wait(true),
        )
        .await?;
    let got = client
        .get_points(GetPointsBuilder::new(&plain, vec![1.into(), 2.into()]).with_payload(true))
        .await?;
    out.insert("after_set".into(), records(&got.result, &[]));

    client
        .delete_points(
            DeletePointsBuilder::new(&plain)
                .points(PointsIdsList {
                    ids: vec![3.into(), 4.into()],
                })
                .wait(true),
        )
        .await?;
    client
        .delete_points(DeletePointsBuilder::new(&plain).points(g_filter("g3")).wait(true))
        .await?;
    let count = client.count(CountPointsBuilder::new(&plain).exact(true)).await?;
    out.insert("count_after_delete".into(), json!(count.result.map(|c| c.count)));

    let alias = format!("{prefix}-alias");
    let renamed = format!("{prefix}-alias2");
    let mut steps = Map::new();
    client.create_alias(CreateAliasBuilder::new(&plain, &alias)).await?;
    steps.insert("created".into(), aliases(&client, &prefix).await?);
    let via = client
        .query(QueryPointsBuilder::new(&alias).query(query.clone()).limit(3))
        .await?;
    steps.insert(
        "via_alias".into(),
        Value::Array(via.result.iter().map(|p| id_json(p.id.as_ref())).collect()),
    );
    let of_plain = client.list_collection_aliases(&plain).await?;
    steps.insert(
        "of_collection".into(),
        Value::Array(of_plain.aliases.iter().map(|a| json!(a.alias_name)).collect()),
    );
    client.rename_alias(RenameAliasBuilder::new(&alias, &renamed)).await?;
    steps.insert("renamed".into(), aliases(&client, &prefix).await?);
    client.delete_alias(&renamed).await?;
    steps.insert("deleted".into(), aliases(&client, &prefix).await?);
    out.insert("aliases".into(), Value::Object(steps));

    let bad = client
        .upsert_points(
            UpsertPointsBuilder::new(&plain, vec![PointStruct::new(900, vec![0.1_f32, 0.2], Payload::new())])
                .wait(true),
        )
        .await;
    out.insert("bad_dim".into(), bad.map_or_else(status_json, |_| Value::Null));
    let wrong_key = Qdrant::from_url(&format!("http://127.0.0.1:{}", job["port"]))
        .api_key("wrong-key".to_string())
        .skip_compatibility_check()
        .build()?;
    let denied = wrong_key.count(CountPointsBuilder::new(&plain)).await;
    out.insert("wrong_key".into(), denied.map_or_else(status_json, |_| Value::Null));
    let missing = client.collection_info(format!("{prefix}-missing")).await;
    out.insert("missing".into(), missing.map_or_else(status_json, |_| Value::Null));
    // a filter condition with no condition in it: Qdrant's malformed-filter answer
    let empty = Filter::must([Condition {
        condition_one_of: None::<ConditionOneOf>,
    }]);
    let malformed = client.count(CountPointsBuilder::new(&plain).filter(empty)).await;
    out.insert(
        "malformed_filter".into(),
        malformed.map_or_else(status_json, |_| Value::Null),
    );

    client.delete_collection(&named).await?;
    out.insert(
        "exists_after_delete".into(),
        json!(client.collection_exists(&named).await?),
    );
    let mut names: Vec<String> = client
        .list_collections()
        .await?
        .collections
        .into_iter()
        .map(|c| c.name)
        .filter(|n| n.starts_with(&prefix))
        .collect();
    names.sort();
    out.insert("collections".into(), json!(names));
    Ok(Value::Object(out))
}

fn main() {
    let job: Value = serde_json::from_reader(std::io::stdin()).expect("a JSON job on stdin");
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    match runtime.block_on(run(job)) {
        Ok(out) => println!("{out}"),
        Err(err) => {
            eprintln!("{err}");
            std::process::exit(1);
        }
    }
}
