"""`modelci serve`: a run's model behind the Open Inference Protocol v2 and MLflow's
`/invocations`, on Seldon MLServer (the `serve` extra).

The wire (README "Deploying"): `wire` holds the names and the outputs every part shares;
`requests` turns a request body into validated rows (pure); `responses` renders scores as each
protocol's body (pure); the MLServer runtime and the server around it live beside them. Only
`modelci.commands.serve` imports MLServer, and only when it runs.
"""
