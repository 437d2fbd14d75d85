//! Myers' linear-space search for a shortest edit script (E. Myers, "An O(ND) Difference
//! Algorithm and Its Variations", 1986, section 4b), with the cost bound GNU diff puts on it.
//!
//! A range is first trimmed of its equal first and last lines. Of the rest, the
//! furthest-reaching forward and reverse paths are extended one edit at a time, in
//! alternation, until they overlap; the range is split at the meeting point and both halves
//! are solved the same way (an explicit stack: no input recurses deeply). Ties prefer
//! deleting (moving right) to inserting.
//!
//! The bound: once a search has spent `too_expensive` rounds (the larger of 4096 and about
//! twice the square root of the lines searched), it gives up on a shortest script and splits
//! the range where one of the paths got furthest (by x + y): the forward one if it got
//! further from its corner than the reverse one from its own, else the reverse one. The half
//! behind that path (which it has solved optimally) is then searched without the bound, the
//! other half with it. This keeps the cost near O(N sqrt N) on very different inputs, at the
//! price of a longer script, as GNU diff's output without `--minimal` shows.

/// A range `a[x0..x1]` against `b[y0..y1]` to solve, and whether without the bound.
#[derive(Clone, Copy)]
struct Range {
    x0: usize,
    x1: usize,
    y0: usize,
    y1: usize,
    minimal: bool,
}

/// Where a range is split, and whether each half is then solved without the bound.
struct Split {
    x: usize,
    y: usize,
    lo_minimal: bool,
    hi_minimal: bool,
}

/// The diagonals reached so far by the two searches of one range.
struct Reach {
    fmin: isize,
    fmax: isize,
    bmin: isize,
    bmax: isize,
}

/// Which of the two sequences.
pub(super) enum Side {
    A,
    B,
}

/// Myers' search over two sequences.
pub(super) struct Search<'a> {
    a: &'a [u32],
    b: &'a [u32],
    /// Furthest-reaching x per diagonal `k = x - y`, forward and reverse, indexed `k + off`.
    fd: Vec<isize>,
    bd: Vec<isize>,
    off: isize,
    too_expensive: usize,
}

impl<'a> Search<'a> {
    pub(super) fn new(a: &'a [u32], b: &'a [u32]) -> Self {
        let size = a.len() + b.len() + 3;
        let mut too_expensive = 1usize;
        let mut diags = size;
        while diags != 0 {
            too_expensive <<= 1;
            diags >>= 2;
        }
        Search {
            a,
            b,
            fd: vec![0; size],
            bd: vec![0; size],
            off: b.len() as isize + 1,
            too_expensive: too_expensive.max(4096),
        }
    }

    /// Calls `changed` with each range of changed lines of `a` or `b`; `minimal`: never give
    /// up on a shortest script (GNU's `--minimal`).
    pub(super) fn run(
        &mut self,
        minimal: bool,
        changed: &mut impl FnMut(Side, std::ops::Range<usize>),
    ) {
        let (a, b) = (self.a, self.b);
        let mut stack = vec![Range {
            x0: 0,
            x1: a.len(),
            y0: 0,
            y1: b.len(),
            minimal,
        }];
        while let Some(mut r) = stack.pop() {
            while r.x0 < r.x1 && r.y0 < r.y1 && a[r.x0] == b[r.y0] {
                r.x0 += 1;
                r.y0 += 1;
            }
            while r.x1 > r.x0 && r.y1 > r.y0 && a[r.x1 - 1] == b[r.y1 - 1] {
                r.x1 -= 1;
                r.y1 -= 1;
            }
            if r.x0 == r.x1 {
                changed(Side::B, r.y0..r.y1);
            } else if r.y0 == r.y1 {
                changed(Side::A, r.x0..r.x1);
            } else {
                let s = self.middle(r);
                let (lo, hi) = (s.lo_minimal, s.hi_minimal);
                stack.push(Range {
                    x0: s.x,
                    y0: s.y,
                    minimal: hi,
                    ..r
                });
                stack.push(Range {
                    x1: s.x,
                    y1: s.y,
                    minimal: lo,
                    ..r
                });
            }
        }
    }

    /// A point to split `r` at (neither of its corners: its ranges are not empty and their
    /// first and last lines differ).
    fn middle(&mut self, r: Range) -> Split {
        let (x0, x1, y0, y1) = (r.x0 as isize, r.x1 as isize, r.y0 as isize, r.y1 as isize);
        let (fmid, bmid) = (x0 - y0, x1 - y1);
        let mut reach = Reach {
            fmin: fmid,
            fmax: fmid,
            bmin: bmid,
            bmax: bmid,
        };
        let odd = (fmid - bmid) & 1 != 0;
        self.fd[(fmid + self.off) as usize] = x0;
        self.bd[(bmid + self.off) as usize] = x1;
        let mut cost = 1;
        loop {
            if let Some((x, y)) = self.forward(r, &mut reach, odd) {
                return Split::optimal(x, y);
            }
            if let Some((x, y)) = self.backward(r, &mut reach, odd) {
                return Split::optimal(x, y);
            }
            if !r.minimal
                && cost >= self.too_expensive
                && let Some(split) = self.furthest(r, &reach)
            {
                return split;
            }
            cost += 1;
        }
    }

    /// One more step of the forward search: the furthest-reaching paths with one more edit.
    /// Returns where it overlaps the reverse search, if it does.
    fn forward(&mut self, r: Range, reach: &mut Reach, odd: bool) -> Option<(usize, usize)> {
        let (x0, x1, y0, y1) = (r.x0 as isize, r.x1 as isize, r.y0 as isize, r.y1 as isize);
        let (dmin, dmax, off) = (x0 - y1, x1 - y0, self.off);
        let fd = &mut self.fd;
        if reach.fmin > dmin {
            reach.fmin -= 1;
            fd[(reach.fmin - 1 + off) as usize] = -1;
        } else {
            reach.fmin += 1;
        }
        if reach.fmax < dmax {
            reach.fmax += 1;
            fd[(reach.fmax + 1 + off) as usize] = -1;
        } else {
            reach.fmax -= 1;
        }
        let (a, b, bd) = (&self.a[..r.x1], &self.b[..r.y1], &self.bd);
        let mut d = reach.fmax;
        while d >= reach.fmin {
            let k = (d + off) as usize;
            let (lo, hi) = (fd[k - 1], fd[k + 1]);
            let mut x = if lo >= hi { lo + 1 } else { hi } as usize;
            let mut y = (x as isize - d) as usize;
            while let (Some(p), Some(q)) = (a.get(x), b.get(y)) {
                if p != q {
                    break;
                }
                x += 1;
                y += 1;
            }
            fd[k] = x as isize;
            if odd && reach.bmin <= d && d <= reach.bmax && bd[k] <= x as isize {
                return Some((x, y));
            }
            d -= 2;
        }
        None
    }

    /// One more step of the reverse search; returns where it overlaps the forward one.
    fn backward(&mut self, r: Range, reach: &mut Reach, odd: bool) -> Option<(usize, usize)> {
        let (x0, x1, y0, y1) = (r.x0 as isize, r.x1 as isize, r.y0 as isize, r.y1 as isize);
        let (dmin, dmax, off) = (x0 - y1, x1 - y0, self.off);
        let bd = &mut self.bd;
        if reach.bmin > dmin {
            reach.bmin -= 1;
            bd[(reach.bmin - 1 + off) as usize] = isize::MAX;
        } else {
            reach.bmin += 1;
        }
        if reach.bmax < dmax {
            reach.bmax += 1;
            bd[(reach.bmax + 1 + off) as usize] = isize::MAX;
        } else {
            reach.bmax -= 1;
        }
        // Positions relative to the range's start: a line before position `x` is `a[x - 1]`.
        let (a, b, fd) = (&self.a[r.x0..r.x1], &self.b[r.y0..r.y1], &self.fd);
        let mut d = reach.bmax;
        while d >= reach.bmin {
            let k = (d + off) as usize;
            let (lo, hi) = (bd[k - 1], bd[k + 1]);
            let x = if lo < hi { lo } else { hi - 1 };
            let (mut xr, mut yr) = (x - x0, x - d - y0);
            // Before the range's start, `xr - 1` wraps around to a position `get` refuses.
            while let (Some(p), Some(q)) = (a.get((xr - 1) as usize), b.get((yr - 1) as usize)) {
                if p != q {
                    break;
                }
                xr -= 1;
                yr -= 1;
            }
            let x = xr + x0;
            bd[k] = x;
            if !odd && reach.fmin <= d && d <= reach.fmax && x <= fd[k] {
                return Some((x as usize, (yr + y0) as usize));
            }
            d -= 2;
        }
        None
    }

    /// The split of a search that costs too much: the end of the forward path that got
    /// furthest (largest x + y), or the reverse one, whichever is further from its corner.
    /// `None` if that is a corner of the range (no progress: search on).
    fn furthest(&self, r: Range, reach: &Reach) -> Option<Split> {
        let (x0, x1, y0, y1) = (r.x0 as isize, r.x1 as isize, r.y0 as isize, r.y1 as isize);
        let off = self.off;
        let (mut fxy, mut fx) = (isize::MIN, x0);
        let mut d = reach.fmax;
        while d >= reach.fmin {
            let mut x = self.fd[(d + off) as usize].min(x1);
            let mut y = x - d;
            if y1 < y {
                x = y1 + d;
                y = y1;
            }
            if fxy < x + y {
                (fxy, fx) = (x + y, x);
            }
            d -= 2;
        }
        let (mut bxy, mut bx) = (isize::MAX, x1);
        let mut d = reach.bmax;
        while d >= reach.bmin {
            let mut x = self.bd[(d + off) as usize].max(x0);
            let mut y = x - d;
            if y < y0 {
                x = y0 + d;
                y = y0;
            }
            if x + y < bxy {
                (bxy, bx) = (x + y, x);
            }
            d -= 2;
        }
        let split = if (x1 + y1) - bxy < fxy - (x0 + y0) {
            Split {
                x: fx as usize,
                y: (fxy - fx) as usize,
                lo_minimal: true,
                hi_minimal: false,
            }
        } else {
            Split {
                x: bx as usize,
                y: (bxy - bx) as usize,
                lo_minimal: false,
                hi_minimal: true,
            }
        };
        let corner = (split.x, split.y) == (r.x0, r.y0) || (split.x, split.y) == (r.x1, r.y1);
        (!corner).then_some(split)
    }
}

impl Split {
    /// A point on a shortest path: both halves are solved without the bound.
    fn optimal(x: usize, y: usize) -> Split {
        Split {
            x,
            y,
            lo_minimal: true,
            hi_minimal: true,
        }
    }
}
