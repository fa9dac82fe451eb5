//! A fast hash for small integer keys (FxHash's multiply-rotate; no dependency): the per-node
//! lookups of a 25 M-node snapshot, where SipHash's DoS resistance buys nothing (the keys are
//! the file's own small integers).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

#[derive(Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }

    fn write_u32(&mut self, i: u32) {
        self.add(i as u64);
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_map_with_integer_keys() {
        let mut m: FastMap<(u8, u32), u32> = FastMap::default();
        for i in 0..10_000u32 {
            m.insert(((i % 7) as u8, i), i);
        }
        assert_eq!(m.len(), 10_000);
        assert_eq!(
            m.get(&(3, 1000 - 1000 % 7 + 3)),
            Some(&(1000 - 1000 % 7 + 3))
        );
    }
}
