package jprune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

class DemoCommandTest {
    @Test
    void aSpeedupIsPrintedWithItsRangeWhenTheRunRecordedOne() {
        assertEquals("1.02x (0.80-1.31)", DemoCommand.ratio(Map.of("speedup_batch1", 1.0234, "speedup_batch1_min", 0.8, "speedup_batch1_max", 1.314), "speedup_batch1"));
        assertEquals("0.97x", DemoCommand.ratio(Map.of("speedup_batch1", 0.9712), "speedup_batch1"));
        assertEquals("not measured", DemoCommand.ratio(Map.of("latency_ms_batch1", 0.01), "speedup_batch1"));
    }
}
