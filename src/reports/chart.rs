//! Bar charts drawn on the server as SVG: readable without JavaScript, printable, and
//! described in text for screen readers.

use super::{KpiLine, TARGET};

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 44.0;
const BOTTOM: f64 = 40.0;
const TOP: f64 = 16.0;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Comprehension and satisfaction per line, as paired bars with the target line.
/// Bars of lines with no answers are left out; the labels say so.
pub fn rate_bars(
    lines: &[KpiLine],
    title: &str,
    comprehension: &str,
    satisfaction: &str,
    target_label: &str,
) -> String {
    let plot_w = WIDTH - LEFT - 10.0;
    let plot_h = HEIGHT - BOTTOM - TOP;
    let y = |rate: f64| TOP + plot_h * (1.0 - rate.clamp(0.0, 1.0));
    let slot = plot_w / lines.len().max(1) as f64;
    let bar = (slot / 3.0).min(28.0);
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" aria-labelledby="chart-title"><title id="chart-title">{}</title>"#,
        escape(title)
    );
    for pct in [0, 50, 100] {
        let yy = y(pct as f64 / 100.0);
        svg += &format!(
            r##"<line x1="{LEFT}" x2="{}" y1="{yy}" y2="{yy}" stroke="#767676" stroke-width="0.5"/><text x="{}" y="{}" font-size="11" text-anchor="end" fill="#1a1a1a">{pct}%</text>"##,
            WIDTH - 10.0,
            LEFT - 4.0,
            yy + 4.0
        );
    }
    for (i, line) in lines.iter().enumerate() {
        let x = LEFT + slot * i as f64 + (slot - 2.0 * bar) / 2.0;
        for (j, (rate, fill, name)) in
            [(&line.comprehension_rate, "#0b4f8a", comprehension), (&line.satisfaction_rate, "#8a4b0b", satisfaction)]
                .into_iter()
                .enumerate()
        {
            if let Some(v) = rate.value {
                let top = y(v);
                svg += &format!(
                    r#"<rect x="{:.1}" y="{top:.1}" width="{bar:.1}" height="{:.1}" fill="{fill}"><title>{} {}: {} (n={})</title></rect>"#,
                    x + j as f64 * bar,
                    TOP + plot_h - top,
                    escape(&line.label),
                    escape(name),
                    rate.percent(),
                    rate.n
                );
            }
        }
        svg += &format!(
            r##"<text x="{:.1}" y="{}" font-size="11" text-anchor="middle" fill="#1a1a1a">{}</text>"##,
            x + bar,
            HEIGHT - BOTTOM + 14.0,
            escape(&line.label)
        );
    }
    let ty = y(TARGET);
    svg += &format!(
        r##"<line x1="{LEFT}" x2="{}" y1="{ty}" y2="{ty}" stroke="#b00020" stroke-width="2" stroke-dasharray="6 4"/><text x="{}" y="{}" font-size="12" text-anchor="end" fill="#b00020">{}</text>"##,
        WIDTH - 10.0,
        WIDTH - 10.0,
        ty - 4.0,
        escape(target_label)
    );
    svg += &format!(
        r##"<rect x="{LEFT}" y="{}" width="12" height="12" fill="#0b4f8a"/><text x="{}" y="{}" font-size="12" fill="#1a1a1a">{}</text><rect x="{}" y="{}" width="12" height="12" fill="#8a4b0b"/><text x="{}" y="{}" font-size="12" fill="#1a1a1a">{}</text>"##,
        HEIGHT - 16.0,
        LEFT + 16.0,
        HEIGHT - 6.0,
        escape(comprehension),
        LEFT + 140.0,
        HEIGHT - 16.0,
        LEFT + 156.0,
        HEIGHT - 6.0,
        escape(satisfaction)
    );
    svg + "</svg>"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reports::Tally;

    #[test]
    fn bars_follow_the_rates_and_the_target_line_is_drawn() {
        let full = Tally {
            comprehension_answers: 10,
            comprehension_good: 10,
            satisfaction_answers: 10,
            satisfaction_good: 5,
            ..Default::default()
        };
        let empty = Tally::default();
        let lines = vec![
            KpiLine::new("2026-04".into(), "2026-04".into(), full),
            KpiLine::new("2026-05".into(), "2026-05".into(), empty),
        ];
        let svg = rate_bars(&lines, "月別 <test>", "理解度", "満足度", "目標 80%");
        assert_eq!(
            svg.matches("<rect").count(),
            2 + 2,
            "two bars for April, none for the empty month, two legend keys"
        );
        assert!(svg.contains("100.0% (n=10)") && svg.contains("50.0% (n=10)"));
        assert!(svg.contains("stroke-dasharray"), "the 80% line");
        assert!(svg.contains("月別 &lt;test&gt;"), "text is escaped");
    }
}
