import { beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../lib/api/index.js';
import { RecordingService } from '../support/recording-service.js';
import { expectError, resultOf, send } from '../support/api-request.js';

let service: RecordingService;
let app: ReturnType<typeof createApp>;

beforeEach(() => {
  service = new RecordingService({ docs: 4 });
  app = createApp({ service });
});

const create = (quantization_config: unknown, vectors: unknown = { size: 4, distance: 'Cosine' }) =>
  send(app, 'PUT', '/collections/q', { vectors, quantization_config });

describe('quantization_config kinds', () => {
  it.each([
    [{ binary: {} }, { binary: {} }],
    [{ binary: { always_ram: true } }, { binary: { always_ram: true } }],
    [
      { binary: { always_ram: false, encoding: 'two_bits', query_encoding: 'scalar8bits' } },
      { binary: { always_ram: false, encoding: 'two_bits', query_encoding: 'scalar8bits' } },
    ],
    [
      { binary: { encoding: 'one_and_half_bits', query_encoding: null } },
      { binary: { encoding: 'one_and_half_bits' } },
    ],
    [{ binary: { query_encoding: 'scalar4bits' } }, { binary: { query_encoding: 'scalar4bits' } }],
    [{ product: { compression: 'x16', always_ram: true } }, { product: { compression: 'x16', always_ram: true } }],
    [{ product: { compression: 'x64' } }, { product: { compression: 'x64' } }],
    [{ turbo: {} }, { turbo: {} }],
    [{ turbo: { bits: 'bits1_5', always_ram: null } }, { turbo: { bits: 'bits1_5' } }],
  ])('keeps %j as given (Qdrant echoes only the fields set)', async (given, stored) => {
    resultOf(await create(given));
    expect(service.writes()[0].args[1]).toMatchObject({ quantization_config: stored });
    expect((service.writes()[0].args[1] as { quantization_config: unknown }).quantization_config).toEqual(stored);
  });

  it('a named vector takes its own binary config beside a collection-level scalar one', async () => {
    resultOf(
      await send(app, 'PUT', '/collections/q', {
        vectors: {
          a: { size: 4, distance: 'Dot', quantization_config: { binary: { encoding: 'two_bits' } } },
          b: { size: 4, distance: 'Dot' },
        },
        quantization_config: { scalar: { type: 'int8' } },
      }),
    );
    const cfg = service.writes()[0].args[1] as Record<string, any>;
    expect(cfg.vectors.a.quantization_config).toEqual({ binary: { encoding: 'two_bits' } });
    expect(cfg.vectors.b.quantization_config).toBeUndefined();
    expect(cfg.quantization_config).toEqual({ scalar: { type: 'int8', quantile: 0.99, always_ram: false } });
  });

  it.each([
    [{ binary: { encoding: 'three_bits' } }, 'untagged enum QuantizationConfig'],
    [{ binary: { query_encoding: 'scalar2bits' } }, 'untagged enum QuantizationConfig'],
    [{ binary: { always_ram: 'yes' } }, 'untagged enum QuantizationConfig'],
    [{ product: { compression: 'x3' } }, 'untagged enum QuantizationConfig'],
    [{ product: {} }, 'untagged enum QuantizationConfig'],
    [{ turbo: { bits: 'bits3' } }, 'untagged enum QuantizationConfig'],
    [{ vector: {} }, 'untagged enum QuantizationConfig'],
    [{ binary: {}, scalar: { type: 'int8' } }, 'untagged enum QuantizationConfig'],
    ['Disabled', 'untagged enum QuantizationConfig'],
  ])('refuses %j with a 400 before anything is written', async (q, message) => {
    expectError(await create(q), 400, `Format error in JSON body: quantization_config`);
    expectError(await create(q), 400, message);
    expect(service.writes()).toEqual([]);
  });

  it('the int8 quantile range stays a 422', async () => {
    expectError(await create({ scalar: { type: 'int8', quantile: 0.2 } }), 422, 'quantile');
    expect(service.writes()).toEqual([]);
  });

  it('PATCH switches kinds, and "Disabled" or null turns quantization off', async () => {
    resultOf(
      await send(app, 'PATCH', '/collections/docs', { quantization_config: { binary: { encoding: 'one_bit' } } }),
    );
    resultOf(await send(app, 'PATCH', '/collections/docs', { quantization_config: 'Disabled' }));
    resultOf(
      await send(app, 'PATCH', '/collections/docs', {
        vectors: { img: { quantization_config: { binary: { query_encoding: 'scalar4bits' } } } },
      }),
    );
    expect(service.writes().map((w) => w.args[1])).toEqual([
      { quantization_config: { binary: { encoding: 'one_bit' } } },
      { quantization_config: null },
      { named_vectors: { img: { quantization_config: { binary: { query_encoding: 'scalar4bits' } } } } },
    ]);
  });

  it('PATCH names its own enum in the refusal', async () => {
    expectError(
      await send(app, 'PATCH', '/collections/docs', { quantization_config: { binary: { encoding: 'two' } } }),
      400,
      'untagged enum QuantizationConfigDiff',
    );
    expect(service.writes()).toEqual([]);
  });
});
