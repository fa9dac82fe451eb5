//! The bounded queue between the GC epilogue (producer, inside the pause) and the
//! JS-thread delivery (consumer). Pushing never allocates and never blocks: when a GC
//! storm outruns a slow listener, events are coalesced away and counted instead.

use std::collections::VecDeque;

/// Something the queue may drop first when it is full.
pub trait Expendable {
    fn expendable(&self) -> bool;
}

pub struct EventQueue<T> {
    items: VecDeque<T>,
    capacity: usize,
    dropped: u64,
}

impl<T: Expendable> EventQueue<T> {
    pub fn with_capacity(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        EventQueue {
            items: VecDeque::with_capacity(capacity),
            capacity,
            dropped: 0,
        }
    }

    /// Adds an event. When full, drops the oldest expendable event (a minor GC), else the
    /// oldest event, so full-GC samples survive a scavenge storm.
    pub fn push(&mut self, item: T) {
        if self.items.len() >= self.capacity {
            match self.items.iter().position(Expendable::expendable) {
                Some(i) => {
                    self.items.remove(i);
                }
                None => {
                    self.items.pop_front();
                }
            }
            self.dropped += 1;
        }
        self.items.push_back(item);
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Takes everything queued, plus how many events were dropped since the last drain.
    pub fn drain(&mut self) -> (Vec<T>, u64) {
        let dropped = std::mem::take(&mut self.dropped);
        (self.items.drain(..).collect(), dropped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Ev(u32, bool);
    impl Expendable for Ev {
        fn expendable(&self) -> bool {
            self.1
        }
    }

    #[test]
    fn a_storm_keeps_the_queue_bounded_and_counts_what_it_dropped() {
        let mut q = EventQueue::with_capacity(8);
        for i in 0..10_000 {
            q.push(Ev(i, true));
            assert!(q.len() <= 8);
        }
        let (items, dropped) = q.drain();
        assert_eq!(items.len(), 8);
        assert_eq!(dropped, 10_000 - 8);
        assert_eq!(items[7], Ev(9_999, true));
        let (items, dropped) = q.drain();
        assert!(items.is_empty());
        assert_eq!(dropped, 0, "the dropped count resets with each drain");
    }

    #[test]
    fn full_gc_events_survive_a_minor_gc_storm() {
        let mut q = EventQueue::with_capacity(4);
        q.push(Ev(0, false));
        for i in 1..1000 {
            q.push(Ev(i, true));
        }
        let (items, _) = q.drain();
        assert_eq!(items[0], Ev(0, false));
    }

    #[test]
    fn when_nothing_is_expendable_the_oldest_goes() {
        let mut q = EventQueue::with_capacity(2);
        for i in 0..3 {
            q.push(Ev(i, false));
        }
        let (items, dropped) = q.drain();
        assert_eq!(items, vec![Ev(1, false), Ev(2, false)]);
        assert_eq!(dropped, 1);
    }

    #[test]
    fn pushing_never_grows_the_allocation() {
        let mut q = EventQueue::with_capacity(16);
        let cap = q.items.capacity();
        for i in 0..1000 {
            q.push(Ev(i, i % 3 == 0));
        }
        assert_eq!(q.items.capacity(), cap);
    }
}
