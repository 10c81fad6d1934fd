//! The evaluation grid of a range query and the API's way of writing times.

use crate::error::ClientError;

/// The points `start + k × step` for `k` in `0..points`: what Prometheus evaluates a range
/// query at, the last point being the last one not after the requested end (the end is
/// inclusive and need not be on the grid).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Grid {
    pub(crate) start_ms: i64,
    pub(crate) step_ms: i64,
    pub(crate) points: u64,
}

impl Grid {
    pub(crate) fn new(start_ms: i64, end_ms: i64, step_ms: i64) -> Result<Grid, ClientError> {
        let bad = || ClientError::BadRange {
            start_ms,
            end_ms,
            step_ms,
        };
        if step_ms <= 0 || end_ms < start_ms {
            return Err(bad());
        }
        // The span of two i64s fits a u64 exactly; so then does the quotient.
        let span = end_ms.abs_diff(start_ms);
        Ok(Grid {
            start_ms,
            step_ms,
            points: span / step_ms.unsigned_abs() + 1,
        })
    }

    /// The time of point `k`, which must be below `points` (it is then at most the end, so it
    /// fits an i64; the product alone may not, hence the i128).
    pub(crate) fn time_of(&self, k: u64) -> i64 {
        (i128::from(self.start_ms) + i128::from(k) * i128::from(self.step_ms)) as i64
    }

    /// Whether `ms` is one of the grid's times between points `first` and `last`.
    pub(crate) fn holds(&self, ms: i64, first: u64, last: u64) -> bool {
        ms >= self.time_of(first)
            && ms <= self.time_of(last)
            && (i128::from(ms) - i128::from(self.start_ms)) % i128::from(self.step_ms) == 0
    }
}

/// Milliseconds as the API's decimal seconds (`1700000000.123`, `60.000`), which Prometheus,
/// Thanos, Mimir and VictoriaMetrics all read for `start`, `end` and `step`, exactly.
pub(crate) fn seconds(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "" };
    let abs = ms.unsigned_abs();
    format!("{sign}{}.{:03}", abs / 1000, abs % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_end_is_inclusive_and_need_not_be_on_the_grid() {
        let three_days = Grid::new(0, 3 * 86_400_000, 60_000).expect("grid");
        assert_eq!(three_days.points, 4321);
        let off = Grid::new(7, 7 + 10 * 60_000 + 59_999, 60_000).expect("grid");
        assert_eq!(off.points, 11);
        assert_eq!(off.time_of(10), 7 + 600_000);
        let one = Grid::new(5, 5, 1).expect("grid");
        assert_eq!(one.points, 1);
    }

    #[test]
    fn ranges_that_are_not_grids_are_errors() {
        assert!(Grid::new(0, 10, 0).is_err());
        assert!(Grid::new(0, 10, -1).is_err());
        assert!(Grid::new(10, 0, 1).is_err());
        let widest = Grid::new(i64::MIN, i64::MAX, i64::MAX).expect("grid");
        assert_eq!(widest.points, 3);
        assert_eq!(widest.time_of(2), i64::MAX - 1);
    }

    #[test]
    fn membership_needs_the_grid_and_the_bounds() {
        let grid = Grid::new(1000, 10_000, 1000).expect("grid");
        assert!(grid.holds(3000, 2, 4));
        assert!(!grid.holds(3500, 2, 4));
        assert!(!grid.holds(1000, 2, 4));
        assert!(!grid.holds(6000, 2, 4));
    }

    #[test]
    fn seconds_are_written_with_milliseconds() {
        assert_eq!(seconds(1_700_000_000_123), "1700000000.123");
        assert_eq!(seconds(60_000), "60.000");
        assert_eq!(seconds(5), "0.005");
        assert_eq!(seconds(-1500), "-1.500");
        assert_eq!(seconds(i64::MIN), "-9223372036854775.808");
    }
}
