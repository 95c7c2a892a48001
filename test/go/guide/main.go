// Drives Strata's gRPC API through the official Go client (github.com/qdrant/go-client), with the Go calls of
// Qdrant's "Optimize Performance" guide: the three scenarios' create calls, the two segment-number configs, the
// rescore:false query and the hnsw_ef/exact query, plus upsert, get, scroll, count, payload ops, delete and a
// filtered query. Run by test/e2e/go-client.test.ts: reads one JSON job on stdin, prints one JSON object with what
// the server answered; nothing is checked here, so every answer reaches the test's assertions.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc/status"
)

type point struct {
	ID      uint64         `json:"id"`
	Vector  []float32      `json:"vector"`
	Payload map[string]any `json:"payload"`
}

type job struct {
	Port   int       `json:"port"`
	APIKey string    `json:"api_key"`
	Dim    uint64    `json:"dim"`
	Points []point   `json:"points"`
	Query  []float32 `json:"query"`
}

type scored struct {
	ID      uint64         `json:"id"`
	Score   float32        `json:"score"`
	Payload map[string]any `json:"payload,omitempty"`
}

func must[T any](v T, err error) T {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	return v
}

func payloadOf(m map[string]*qdrant.Value) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		switch x := v.GetKind().(type) {
		case *qdrant.Value_StringValue:
			out[k] = x.StringValue
		case *qdrant.Value_IntegerValue:
			out[k] = x.IntegerValue
		case *qdrant.Value_DoubleValue:
			out[k] = x.DoubleValue
		case *qdrant.Value_BoolValue:
			out[k] = x.BoolValue
		default:
			out[k] = v.String()
		}
	}
	return out
}

func scoredOf(points []*qdrant.ScoredPoint) []scored {
	out := []scored{}
	for _, p := range points {
		out = append(out, scored{ID: p.GetId().GetNum(), Score: p.GetScore(), Payload: payloadOf(p.GetPayload())})
	}
	return out
}

func gFilter(v string) *qdrant.Filter {
	return &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatch("g", v)}}
}

func main() {
	var j job
	must(0, json.NewDecoder(os.Stdin).Decode(&j))
	ctx := context.Background()
	client := must(qdrant.NewClient(&qdrant.Config{Host: "127.0.0.1", Port: j.Port, APIKey: j.APIKey}))
	defer client.Close()
	out := map[string]any{}

	// the guide's create calls, each named for its scenario
	creates := map[string]*qdrant.CreateCollection{
		"go-speed-low-memory": {
			VectorsConfig: qdrant.NewVectorsConfig(&qdrant.VectorParams{
				Size: j.Dim, Distance: qdrant.Distance_Cosine, OnDisk: qdrant.PtrOf(true),
			}),
			QuantizationConfig: qdrant.NewQuantizationScalar(&qdrant.ScalarQuantization{
				Type: qdrant.QuantizationType_Int8, AlwaysRam: qdrant.PtrOf(true),
			}),
		},
		"go-precision-low-memory": {
			VectorsConfig: qdrant.NewVectorsConfig(&qdrant.VectorParams{
				Size: j.Dim, Distance: qdrant.Distance_Cosine, OnDisk: qdrant.PtrOf(true),
			}),
			HnswConfig: &qdrant.HnswConfigDiff{OnDisk: qdrant.PtrOf(true)},
		},
		"go-precision-speed": {
			VectorsConfig: qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: j.Dim, Distance: qdrant.Distance_Cosine}),
			QuantizationConfig: qdrant.NewQuantizationScalar(&qdrant.ScalarQuantization{
				Type: qdrant.QuantizationType_Int8, Quantile: qdrant.PtrOf(float32(0.99)), AlwaysRam: qdrant.PtrOf(true),
			}),
		},
		"go-many-segments": {
			VectorsConfig:    qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: j.Dim, Distance: qdrant.Distance_Cosine}),
			OptimizersConfig: &qdrant.OptimizersConfigDiff{DefaultSegmentNumber: qdrant.PtrOf(uint64(16))},
		},
		"go-large-segments": {
			VectorsConfig: qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: j.Dim, Distance: qdrant.Distance_Cosine}),
			OptimizersConfig: &qdrant.OptimizersConfigDiff{
				DefaultSegmentNumber: qdrant.PtrOf(uint64(2)), MaxSegmentSize: qdrant.PtrOf(uint64(5000000)),
			},
		},
	}
	for name, c := range creates {
		c.CollectionName = name
		must(0, client.CreateCollection(ctx, c))
	}

	// the data: into the speed + low memory collection
	const name = "go-speed-low-memory"
	points := []*qdrant.PointStruct{}
	for _, p := range j.Points {
		points = append(points, &qdrant.PointStruct{
			Id: qdrant.NewIDNum(p.ID), Vectors: qdrant.NewVectors(p.Vector...), Payload: qdrant.NewValueMap(p.Payload),
		})
	}
	must(client.Upsert(ctx, &qdrant.UpsertPoints{CollectionName: name, Wait: qdrant.PtrOf(true), Points: points}))

	out["no_rescore"] = scoredOf(must(client.Query(ctx, &qdrant.QueryPoints{
		CollectionName: name,
		Query:          qdrant.NewQuery(j.Query...),
		Params: &qdrant.SearchParams{
			Quantization: &qdrant.QuantizationSearchParams{Rescore: qdrant.PtrOf(false)},
		},
	})))
	out["exact"] = scoredOf(must(client.Query(ctx, &qdrant.QueryPoints{
		CollectionName: name,
		Query:          qdrant.NewQuery(j.Query...),
		Filter:         gFilter("g1"),
		Params:         &qdrant.SearchParams{HnswEf: qdrant.PtrOf(uint64(128)), Exact: qdrant.PtrOf(true)},
		WithPayload:    qdrant.NewWithPayload(true),
		Limit:          qdrant.PtrOf(uint64(5)),
	})))

	got := must(client.Get(ctx, &qdrant.GetPoints{
		CollectionName: name, Ids: []*qdrant.PointId{qdrant.NewIDNum(1), qdrant.NewIDNum(7)},
		WithPayload: qdrant.NewWithPayload(true),
	}))
	records := []scored{}
	for _, p := range got {
		records = append(records, scored{ID: p.GetId().GetNum(), Payload: payloadOf(p.GetPayload())})
	}
	out["get"] = records

	page := must(client.Scroll(ctx, &qdrant.ScrollPoints{
		CollectionName: name, Filter: gFilter("g2"), Limit: qdrant.PtrOf(uint32(4)), WithPayload: qdrant.NewWithPayload(true),
	}))
	scrolled := []scored{}
	for _, p := range page {
		scrolled = append(scrolled, scored{ID: p.GetId().GetNum(), Payload: payloadOf(p.GetPayload())})
	}
	out["scroll"] = scrolled
	out["count"] = must(client.Count(ctx, &qdrant.CountPoints{
		CollectionName: name, Filter: gFilter("g2"), Exact: qdrant.PtrOf(true),
	}))

	must(client.SetPayload(ctx, &qdrant.SetPayloadPoints{
		CollectionName: name, Wait: qdrant.PtrOf(true), Payload: qdrant.NewValueMap(map[string]any{"color": "red"}),
		PointsSelector: qdrant.NewPointsSelector(qdrant.NewIDNum(1), qdrant.NewIDNum(2)),
	}))
	must(client.DeletePayload(ctx, &qdrant.DeletePayloadPoints{
		CollectionName: name, Wait: qdrant.PtrOf(true), Keys: []string{"rank"},
		PointsSelector: qdrant.NewPointsSelector(qdrant.NewIDNum(2)),
	}))
	must(client.Delete(ctx, &qdrant.DeletePoints{
		CollectionName: name, Wait: qdrant.PtrOf(true), Points: qdrant.NewPointsSelectorFilter(gFilter("g3")),
	}))

	_, err := client.Upsert(ctx, &qdrant.UpsertPoints{
		CollectionName: name, Wait: qdrant.PtrOf(true),
		Points: []*qdrant.PointStruct{{Id: qdrant.NewIDNum(900), Vectors: qdrant.NewVectors(0.1, 0.2)}},
	})
	// the client wraps the status in its own error; the server's status is the wrapped one
	var grpcErr interface{ GRPCStatus() *status.Status }
	if errors.As(err, &grpcErr) {
		st := grpcErr.GRPCStatus()
		out["bad_dim"] = map[string]string{"code": st.Code().String(), "message": st.Message()}
	}

	must(0, json.NewEncoder(os.Stdout).Encode(out))
}
