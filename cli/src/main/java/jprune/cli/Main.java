package jprune.cli;

/** Entry point of the jprune command line. */
public final class Main {
    public static void main(String[] args) {
        System.out.println("jprune");
    }
}
