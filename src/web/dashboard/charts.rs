//! Server-side SVG charts: horizontal bar charts and a line chart, drawn from numbers by our
//! own code (no JavaScript, nothing fetched). Every label is XML-escaped here, so a chart's
//! markup can be emitted as is; each chart also keeps its data for a table fallback that
//! screen readers and text browsers read instead.

use std::fmt::Write as _;

/// One bar: its label, value and CSS class (colour).
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: i64,
    pub class: &'static str,
}

/// One point of a line chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub label: String,
    pub value: f64,
}

/// A rendered chart: its title, its data as rows (for the table fallback) and the SVG.
#[derive(Debug, Clone)]
pub struct Chart {
    pub title: String,
    /// (label, value as text).
    pub rows: Vec<(String, String)>,
    /// Safe markup: built here, every label escaped.
    pub svg: String,
}

/// `&`, `<`, `>`, `"` and `'` as XML entities.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const BAR_WIDTH: f64 = 300.0;
const LABEL_WIDTH: f64 = 120.0;
const ROW: f64 = 26.0;

/// A horizontal bar chart, bars scaled to the largest value.
pub fn bar_chart(title: &str, bars: &[Bar]) -> Chart {
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1) as f64;
    let height = (bars.len().max(1) as f64) * ROW + 8.0;
    let width = LABEL_WIDTH + BAR_WIDTH + 80.0;
    let t = escape(title);
    let mut svg = format!(
        r#"<svg class="chart" role="img" aria-label="{t}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#
    );
    for (i, b) in bars.iter().enumerate() {
        let y = 4.0 + i as f64 * ROW;
        let w = (b.value.max(0) as f64 / max * BAR_WIDTH).max(if b.value > 0 { 2.0 } else { 0.0 });
        let label = escape(&b.label);
        let _ = write!(
            svg,
            r#"<g><title>{label}: {v}</title><text x="{lx}" y="{ty}" text-anchor="end">{label}</text><rect class="bar {class}" x="{LABEL_WIDTH}" y="{y}" width="{w:.1}" height="{bh}"></rect><text x="{vx:.1}" y="{ty}">{v}</text></g>"#,
            v = b.value,
            lx = LABEL_WIDTH - 6.0,
            ty = y + 15.0,
            class = escape(b.class),
            bh = ROW - 8.0,
            vx = LABEL_WIDTH + w + 6.0,
        );
    }
    svg.push_str("</svg>");
    Chart {
        title: title.to_owned(),
        rows: bars
            .iter()
            .map(|b| (b.label.clone(), b.value.to_string()))
            .collect(),
        svg,
    }
}

/// A line chart of `points` in order, the y axis from 0 to `y_max` (or the largest value).
pub fn line_chart(title: &str, points: &[Point], y_max: Option<f64>) -> Chart {
    let (w, h, left, right, top, bottom) = (560.0, 200.0, 44.0, 16.0, 12.0, 28.0);
    let largest = points.iter().map(|p| p.value).fold(0.0_f64, f64::max);
    let max = y_max.unwrap_or(largest).max(largest).max(1.0);
    let plot_w = w - left - right;
    let plot_h = h - top - bottom;
    let x_of = |i: usize| {
        if points.len() <= 1 {
            left + plot_w / 2.0
        } else {
            left + plot_w * i as f64 / (points.len() - 1) as f64
        }
    };
    let y_of = |v: f64| top + plot_h * (1.0 - v.max(0.0) / max);
    let t = escape(title);
    let mut svg = format!(
        r#"<svg class="chart" role="img" aria-label="{t}" viewBox="0 0 {w} {h}" width="{w}" height="{h}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#
    );
    for tick in [0.0, max / 2.0, max] {
        let y = y_of(tick);
        let _ = write!(
            svg,
            r#"<line class="grid" x1="{left}" x2="{x2}" y1="{y:.1}" y2="{y:.1}"></line><text x="{tx}" y="{ty:.1}" text-anchor="end">{tick:.0}</text>"#,
            x2 = w - right,
            tx = left - 6.0,
            ty = y + 4.0,
        );
    }
    if points.is_empty() {
        let _ = write!(
            svg,
            r#"<text x="{x}" y="{y}" text-anchor="middle">No data yet</text>"#,
            x = w / 2.0,
            y = h / 2.0
        );
    } else {
        let coords: Vec<String> = points
            .iter()
            .enumerate()
            .map(|(i, p)| format!("{:.1},{:.1}", x_of(i), y_of(p.value)))
            .collect();
        let _ = write!(
            svg,
            r#"<polyline class="line" fill="none" points="{}"></polyline>"#,
            coords.join(" ")
        );
        for (i, p) in points.iter().enumerate() {
            let _ = write!(
                svg,
                r#"<circle class="dot" cx="{:.1}" cy="{:.1}" r="3.5"><title>{}: {:.1}</title></circle>"#,
                x_of(i),
                y_of(p.value),
                escape(&p.label),
                p.value
            );
        }
        let last = points.len() - 1;
        let ends: &[(usize, &str)] = if last == 0 {
            &[(0, "middle")]
        } else {
            &[(0, "start"), (last, "end")]
        };
        for &(i, anchor) in ends {
            let _ = write!(
                svg,
                r#"<text x="{:.1}" y="{}" text-anchor="{anchor}">{}</text>"#,
                x_of(i),
                h - 8.0,
                escape(&points[i].label)
            );
        }
    }
    svg.push_str("</svg>");
    Chart {
        title: title.to_owned(),
        rows: points
            .iter()
            .map(|p| (p.label.clone(), format!("{:.1}", p.value)))
            .collect(),
        svg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, value: i64) -> Bar {
        Bar {
            label: label.into(),
            value,
            class: "sev-high",
        }
    }

    #[test]
    fn bars_scale_to_the_largest_value_and_carry_an_accessible_title() {
        let c = bar_chart(
            "Open findings",
            &[bar("high", 50), bar("low", 25), bar("info", 0)],
        );
        assert!(
            c.svg
                .starts_with(r#"<svg class="chart" role="img" aria-label="Open findings""#)
        );
        assert!(c.svg.contains("<title>Open findings</title>"));
        assert!(c.svg.contains(r#"width="300.0""#), "{}", c.svg);
        assert!(c.svg.contains(r#"width="150.0""#), "{}", c.svg);
        assert!(c.svg.contains(r#"width="0.0""#), "{}", c.svg);
        assert_eq!(c.rows[1], ("low".to_string(), "25".to_string()));
    }

    #[test]
    fn labels_and_titles_are_escaped() {
        let c = bar_chart("<b>t</b>", &[bar("<script>alert(1)</script>", 3)]);
        assert!(!c.svg.contains("<script>"), "{}", c.svg);
        assert!(!c.svg.contains("<b>"), "{}", c.svg);
        assert!(c.svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        let l = line_chart(
            "x\"y",
            &[Point {
                label: "a&b".into(),
                value: 1.0,
            }],
            None,
        );
        assert!(l.svg.contains("a&amp;b"), "{}", l.svg);
        assert!(l.svg.contains(r#"aria-label="x&quot;y""#), "{}", l.svg);
    }

    #[test]
    fn a_line_chart_plots_each_point_within_its_frame() {
        let pts: Vec<Point> = (0..5)
            .map(|i| Point {
                label: format!("scan {i}"),
                value: f64::from(i * 25),
            })
            .collect();
        let c = line_chart("Mean risk", &pts, Some(100.0));
        assert_eq!(c.svg.matches("<circle").count(), 5);
        // First point at the bottom left of the plot, last at the top right.
        assert!(c.svg.contains(r#"points="44.0,172.0 "#), "{}", c.svg);
        assert!(c.svg.contains(" 544.0,12.0\""), "{}", c.svg);
        assert_eq!(c.rows.len(), 5);
    }

    #[test]
    fn an_empty_line_chart_says_so() {
        let c = line_chart("Trend", &[], None);
        assert!(c.svg.contains("No data yet"));
        assert!(!c.svg.contains("<polyline"));
    }
}
