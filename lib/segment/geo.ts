/**
 * Qdrant's geo conditions (lib/segment/src/types.rs CheckGeoPoint), over `{lon, lat}` payload values:
 * - geo_radius: haversine distance (the geo crate's mean Earth radius, 6371008.8 m) strictly below `radius` metres;
 * - geo_bounding_box: strictly inside, longitudes wrapping across the antimeridian when top_left.lon >
 *   bottom_right.lon;
 * - geo_polygon: strictly inside the exterior ring and outside every interior ring (a point on any ring's edge is
 *   on the boundary, so not contained, as the geo crate's `Contains`), in plain lon/lat coordinates.
 *
 * Pure: no I/O.
 */
import type { GeoBoundingBox, GeoPoint, GeoPolygon, GeoRadius } from '../model/filter.js';

const EARTH_RADIUS_M = 6371008.8;
const RAD = Math.PI / 180;

export function haversineMeters(a: GeoPoint, b: GeoPoint): number {
  const dLat = (b.lat - a.lat) * RAD;
  const dLon = (b.lon - a.lon) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

export function inRadius(r: GeoRadius, p: GeoPoint): boolean {
  return haversineMeters(r.center, p) < r.radius;
}

export function inBoundingBox(b: GeoBoundingBox, p: GeoPoint): boolean {
  const { top_left: tl, bottom_right: br } = b;
  const lonOk = tl.lon > br.lon ? p.lon > tl.lon || p.lon < br.lon : tl.lon < p.lon && p.lon < br.lon;
  return lonOk && br.lat < p.lat && p.lat < tl.lat;
}

type Ring = readonly GeoPoint[];

export function inPolygon(poly: GeoPolygon, p: GeoPoint): boolean {
  const rings: Ring[] = [poly.exterior.points, ...(poly.interiors ?? []).map((r) => r.points)];
  for (const ring of rings) if (onRing(ring, p)) return false;
  if (!insideRing(poly.exterior.points, p)) return false;
  for (const hole of poly.interiors ?? []) if (insideRing(hole.points, p)) return false;
  return true;
}

/** Ray casting (even-odd) over a closed ring; the boundary is handled by onRing first. */
function insideRing(ring: Ring, p: GeoPoint): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[i];
    const b = ring[j];
    if (a.lat > p.lat !== b.lat > p.lat) {
      const x = ((b.lon - a.lon) * (p.lat - a.lat)) / (b.lat - a.lat) + a.lon;
      if (p.lon < x) inside = !inside;
    }
  }
  return inside;
}

function onRing(ring: Ring, p: GeoPoint): boolean {
  for (let i = 1; i < ring.length; i++) if (onSegment(ring[i - 1], ring[i], p)) return true;
  return false;
}

function onSegment(a: GeoPoint, b: GeoPoint, p: GeoPoint): boolean {
  const cross = (b.lon - a.lon) * (p.lat - a.lat) - (b.lat - a.lat) * (p.lon - a.lon);
  if (cross !== 0) return false;
  return (
    Math.min(a.lon, b.lon) <= p.lon &&
    p.lon <= Math.max(a.lon, b.lon) &&
    Math.min(a.lat, b.lat) <= p.lat &&
    p.lat <= Math.max(a.lat, b.lat)
  );
}
