/**
 * A small bar chart as inline SVG, rendered on the server (no script). The numbers are also
 * the image's accessible name, so a screen reader hears what a sighted reader sees.
 */
export function Sparkline(props: { values: readonly number[]; label: string; width?: number; height?: number }) {
  const width = props.width ?? 84;
  const height = props.height ?? 22;
  const max = Math.max(1, ...props.values);
  const step = width / Math.max(1, props.values.length);
  const bar = Math.max(1, step - 1);
  return (
    <svg class="spark" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${props.label}: ${props.values.join(", ")}`}>
      <line x1="0" y1={height - 0.5} x2={width} y2={height - 0.5} class="base" />
      {props.values.map((value, i) => {
        const h = value === 0 ? 0 : Math.max(2, Math.round((value / max) * (height - 2)));
        return <rect x={(i * step).toFixed(1)} y={height - 1 - h} width={bar.toFixed(1)} height={h} />;
      })}
    </svg>
  );
}
