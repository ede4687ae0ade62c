"""B2B matchmaking events: participants, meeting requests, an optimal schedule, agendas."""
