"""Decision support (DSS-1..4, DRL-5): consequence models as pure functions with typed inputs and
outputs (``models/``... one module per method), registered by name for the API and the CLI
(``registry``), and the park data they need (``substances``)."""
