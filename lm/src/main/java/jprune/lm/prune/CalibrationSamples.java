package jprune.lm.prune;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jprune.lm.data.TokenWindows;
import jprune.nn.io.Json;
import jprune.nn.io.JsonException;

/**
 * The token sequences a one-shot method calibrates on: windows at seeded random starts of a
 * tokenized text, or a JSON list of token-id lists used exactly as given (so a paper's calibration
 * set can be reproduced, and a run's samples written out and fed to another implementation).
 */
public record CalibrationSamples(List<int[]> samples, String source) {

    public CalibrationSamples {
        if (samples.isEmpty()) throw new IllegalArgumentException("--calib: no calibration samples");
        samples = List.copyOf(samples);
    }

    /** count windows of length tokens at random starts (TokenWindows.random), seeded. */
    public static CalibrationSamples fromTokens(int[] ids, int count, int length, long seed, String source) {
        if (count < 1) throw new IllegalArgumentException("--nsamples must be >= 1, got " + count);
        if (length < 2) throw new IllegalArgumentException("--seqlen must be >= 2, got " + length);
        if (ids.length < length)
            throw new IllegalArgumentException("--calib " + source + " has " + ids.length + " tokens, fewer than one window of --seqlen " + length);
        return new CalibrationSamples(List.of(TokenWindows.random(ids, count, length, seed)), source);
    }

    /** A JSON file holding a list of token-id lists; every id must be below vocab. */
    public static CalibrationSamples fromJson(Path file, int vocab) throws IOException {
        Object parsed;
        try {
            parsed = Json.parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (JsonException e) {
            throw new IllegalArgumentException("--calib " + file + ": not valid JSON (" + e.getMessage() + ")");
        }
        if (!(parsed instanceof List<?> list) || list.isEmpty())
            throw new IllegalArgumentException("--calib " + file + ": expected a non-empty JSON list of token-id lists");
        List<int[]> out = new ArrayList<>();
        for (int s = 0; s < list.size(); s++) {
            if (!(list.get(s) instanceof List<?> ids) || ids.isEmpty())
                throw new IllegalArgumentException("--calib " + file + ": sample " + s + " is not a non-empty list of token ids");
            int[] sample = new int[ids.size()];
            for (int i = 0; i < sample.length; i++) {
                Object v = ids.get(i);
                if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.longValue() < 0 || n.longValue() >= vocab)
                    throw new IllegalArgumentException("--calib " + file + ": sample " + s + ", position " + i + ": " + v
                            + " is not a token id in [0, " + vocab + ")");
                sample[i] = n.intValue();
            }
            out.add(sample);
        }
        return new CalibrationSamples(out, file.toString());
    }

    /** The first count samples. */
    public CalibrationSamples first(int count) {
        if (count < 1) throw new IllegalArgumentException("--nsamples must be >= 1, got " + count);
        if (count > samples.size())
            throw new IllegalArgumentException("--nsamples " + count + " but --calib " + source + " holds " + samples.size() + " samples");
        return new CalibrationSamples(samples.subList(0, count), source);
    }

    public long tokens() {
        long n = 0;
        for (int[] s : samples) n += s.length;
        return n;
    }

    public int longest() {
        int m = 0;
        for (int[] s : samples) m = Math.max(m, s.length);
        return m;
    }

    /** The samples as a JSON list of lists (what fromJson reads back). */
    public String toJson() {
        List<List<Integer>> lists = new ArrayList<>();
        for (int[] s : samples) {
            List<Integer> l = new ArrayList<>(s.length);
            for (int v : s) l.add(v);
            lists.add(l);
        }
        return Json.write(lists, false);
    }
}
