/**
 * The equal-width histogram behind numeric PSI, reproducing numpy bit for bit: `histogram_bin_edges` of both samples
 * together for the edges, then `histogram` of each sample with those edges for the counts.
 */

/** Number of bins of numeric PSI (CONTRACTS.md `psi` numeric). */
export const PSI_BINS = 10;

/**
 * numpy `histogram_bin_edges` for the range [min, max]: a degenerate range becomes [min − 0.5, max + 0.5], then
 * `linspace` computes edge_i = i·step + min with step = (max − min)/bins and sets the last edge to max exactly.
 * numpy refuses a range so narrow (a few ulps of its magnitude) that neighbouring edges round to the same number;
 * here the bins between equal edges simply stay empty.
 */
export function histogramEdges(min: number, max: number, bins = PSI_BINS): Float64Array {
  let first = min;
  let last = max;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const step = (last - first) / bins;
  const edges = new Float64Array(bins + 1);
  for (let i = 0; i < bins; i++) edges[i] = i * step + first;
  edges[bins] = last;
  return edges;
}

/**
 * numpy `histogram(values, bins=edges)` counts: bin i holds edges[i] ≤ x < edges[i+1] and the last bin also holds its
 * right edge. With explicit edges numpy binary-searches each edge in the sorted values and differences the cumulative
 * counts; doing the same on the already sorted sample costs O(bins · log n).
 */
export function histogramCounts(sortedValues: Float64Array, edges: Float64Array): Float64Array {
  const bins = edges.length - 1;
  const cumulative = new Float64Array(bins + 1);
  for (let i = 0; i < bins; i++) cumulative[i] = searchSorted(sortedValues, edges[i], false);
  cumulative[bins] = searchSorted(sortedValues, edges[bins], true);
  const counts = new Float64Array(bins);
  for (let i = 0; i < bins; i++) counts[i] = cumulative[i + 1] - cumulative[i];
  return counts;
}

/** numpy `searchsorted`: the first index whose value is ≥ x (left) or > x (right). */
function searchSorted(sorted: Float64Array, x: number, right: boolean): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (right ? sorted[middle] <= x : sorted[middle] < x) low = middle + 1;
    else high = middle;
  }
  return low;
}
