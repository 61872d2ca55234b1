package jprune.nn.io;

import static org.junit.jupiter.api.Assertions.*;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void roundTripsNestedValues() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "lenet \"5\"\n\u00e9\u0001");
        m.put("epochs", 12L);
        m.put("acc", 0.9123);
        m.put("ok", true);
        m.put("none", null);
        m.put("shape", List.of(1L, 28L, 28L));
        m.put("history", List.of(Map.of("epoch", 1L)));
        for (boolean pretty : new boolean[] {false, true}) assertEquals(m, Json.parse(Json.write(m, pretty)));
        assertEquals("[1,2]", Json.write(new int[] {1, 2}, false));
        assertEquals("null", Json.write(Double.NaN, false));
    }

    @Test
    void parsesEscapesAndNumbers() {
        assertEquals("a\u00e9\uD83D\uDE00/", Json.parse("\"a\\u00e9\\ud83d\\ude00\\/\""));
        assertEquals(-12L, Json.parse("-12"));
        assertEquals(1.5e-3, Json.parse("1.5e-3"));
        assertEquals(1e30, Json.parse("1000000000000000000000000000000"));
    }

    @Test
    void rejectsMalformedInputWithPosition() {
        for (String bad : new String[] {"", "{", "[1,]", "{\"a\":1,\"a\":2}", "01x", "\"abc", "{\"a\" 1}", "[1] 2", "tru", "\"\u0001\"", "1.", "-"}) {
            var e = assertThrows(JsonException.class, () -> Json.parse(bad), bad);
            assertTrue(e.getMessage().contains("character"), e.getMessage());
        }
        assertThrows(JsonException.class, () -> Json.parse("[".repeat(600) + "]".repeat(600)));
    }
}
