"""Consumer complaints: intake, mediation, deadlines, and what is shown of them."""
