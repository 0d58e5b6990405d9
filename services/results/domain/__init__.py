"""Pure rules of the public record: which publication wins, when the objection window is
open, how a cycle reads per category, and the pages' words. The standard library only."""
