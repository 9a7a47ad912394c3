System.Console.WriteLine("llmlab");
