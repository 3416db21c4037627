import { html, type Html } from "./html.js";

// A bar chart of one figure per day as inline SVG, drawn on the server: no library, no script,
// and readable without sight (the chart's label, and a <title> per day that screen readers and
// a pointer's tooltip give). Each day's group carries its date and value as data- attributes.

export interface ChartDay {
  date: string;
  value: number;
  /** the value as a person reads it ("$49.00", "12 clicks") */
  label: string;
}

const WIDTH = 600;
const HEIGHT = 110;

export function barChart(title: string, days: ChartDay[], className = ""): Html {
  const top = Math.max(1, ...days.map((d) => d.value));
  const step = WIDTH / Math.max(1, days.length);
  const total = days.reduce((sum, d) => sum + d.value, 0);
  return html`<figure class="chart ${className}">
    <figcaption>${title}</figcaption>
    <svg viewBox="0 0 ${WIDTH} ${HEIGHT}" preserveAspectRatio="none" role="img" aria-label="${title} per day, ${days[0]?.date ?? ""} to ${days[days.length - 1]?.date ?? ""}${total === 0 ? ": none" : ""}">
      ${days.map((d, i) => {
        const h = d.value === 0 ? 0 : Math.max(2, Math.round((d.value / top) * (HEIGHT - 4)));
        return html`<g data-date="${d.date}" data-value="${d.value}"><title>${d.date}: ${d.label}</title><rect x="${(i * step).toFixed(2)}" y="0" width="${step.toFixed(2)}" height="${HEIGHT}" fill="transparent"></rect><rect x="${(i * step + step * 0.15).toFixed(2)}" y="${HEIGHT - h}" width="${(step * 0.7).toFixed(2)}" height="${h}"></rect></g>`;
      })}
    </svg>
    <div class="axis"><span>${days[0]?.date ?? ""}</span><span>${days[days.length - 1]?.date ?? ""}</span></div>
  </figure>`;
}
