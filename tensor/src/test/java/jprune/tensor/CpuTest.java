package jprune.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class CpuTest {
    @Test
    void readsTheFirstProcessorsFields() {
        List<String> cpuinfo = List.of("processor\t: 0", "vendor_id\t: AuthenticAMD", "model name\t: AMD EPYC 9R45",
                "flags\t\t: fpu avx512f", "", "processor\t: 1", "vendor_id\t: GenuineIntel");
        assertEquals("AuthenticAMD", Cpu.field(cpuinfo, "vendor_id"));
        assertEquals("AMD EPYC 9R45", Cpu.field(cpuinfo, "model name"));
        assertEquals("unknown", Cpu.field(cpuinfo, "cpu MHz"));
        assertEquals("unknown", Cpu.field(List.of("vendor_id\t:"), "vendor_id"));
        assertEquals("unknown", Cpu.field(List.of(), "vendor_id"));
    }

    @Test
    void knowsThisMachineOnLinux() {
        if (!Files.isReadable(Path.of("/proc/cpuinfo"))) return;
        // x86 Linux names the vendor; ARM kernels may not, which the kernels treat as "not Intel".
        if (System.getProperty("os.arch").contains("64") && System.getProperty("os.arch").startsWith("amd")) {
            assertNotEquals("unknown", Cpu.VENDOR);
            assertNotEquals("unknown", Cpu.MODEL);
        }
    }
}
