package jprune.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xml.sax.InputSource;

class HtmlReportTest {
    @Test
    void chartsAreWellFormedInlineSvgAndTextIsEscaped(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("report.html");
        new HtmlReport("a <b> & 'c'")
                .lineChart("x", "y", List.of(new HtmlReport.Series("s<1>", new double[] {1, 2, 3}, new double[] {0.5, Double.NaN, 0.7})))
                .barChart("v", List.of("fc1.weight", "fc2.weight"), new double[] {90, 50}, 100)
                .histogram("w", List.of("before", "after"), List.of(new float[] {-1, 0, 0.5f, 2}, new float[] {0, 0, 2}), 10)
                .table(List.of("h"), List.of(List.of("<td>")))
                .write(f);
        String html = Files.readString(f);
        assertFalse(html.contains("<b>") || html.contains("s<1>") || html.contains("<td><td>"), "text must be escaped");
        assertFalse(html.contains("<script") || html.contains("http://") && !html.contains("xmlns='http://www.w3.org/2000/svg'"), "self-contained");
        Matcher m = Pattern.compile("<svg.*?</svg>", Pattern.DOTALL).matcher(html);
        int n = 0;
        while (m.find()) {
            DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new InputSource(new StringReader(m.group())));
            n++;
        }
        assertEquals(3, n);
    }
}
