// placeholder until the load tester lands
