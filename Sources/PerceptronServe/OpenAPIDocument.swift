// The OpenAPI 3.0 document of the playground's API, served at /api/openapi.json. Kept as
// JSON text so it reads as the standard, shared schemas under components; a test checks it
// lists every route the server has and pins the shapes the page relies on.

import PerceptronIO

/// The API's OpenAPI 3.0 document.
public enum OpenAPIDocument {
    /// The document, parsed once.
    public static let value: JSONValue = {
        do { return try JSONValue.parse(text) } catch { preconditionFailure("the OpenAPI document is not JSON: \(error)") }
    }()

    /// The document's text.
    public static let text = #"""
{
 "openapi": "3.0.3",
 "info": {
  "title": "Perceptron playground API",
  "version": "1.0.0",
  "description": "The JSON API behind `perceptron serve`. Images are 28x28 greyscale, row-major, whole numbers 0...255 (ink high, paper 0). Every bad request gets a 4xx answer {\"error\": \"...\"} saying what was wrong."
 },
 "servers": [{"url": "/"}],
 "paths": {
  "/api/openapi.json": {
   "get": {
    "operationId": "openapi",
    "summary": "This document.",
    "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}}
   }
  },
  "/api/models": {
   "get": {
    "operationId": "models",
    "summary": "The served models.",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "required": ["models"],
         "properties": {"models": {"type": "array", "items": {"$ref": "#/components/schemas/Model"}}}
        }
       }
      }
     },
     "400": {"$ref": "#/components/responses/Error"}
    }
   }
  },
  "/api/samples/{split}/{index}": {
   "get": {
    "operationId": "sample",
    "summary": "A dataset image with its label.",
    "parameters": [
     {
      "name": "split",
      "in": "path",
      "required": true,
      "schema": {"type": "string", "enum": ["train", "test"]}
     },
     {"name": "index", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 0}}
    ],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "required": ["split", "index", "label", "pixels"],
         "properties": {
          "split": {"type": "string"},
          "index": {"type": "integer"},
          "label": {"type": "integer"},
          "width": {"type": "integer"},
          "height": {"type": "integer"},
          "pixels": {"$ref": "#/components/schemas/Pixels"}
         }
        }
       }
      }
     },
     "400": {"$ref": "#/components/responses/Error"},
     "404": {"$ref": "#/components/responses/Error"}
    }
   }
  },
  "/api/digitize": {
   "post": {
    "operationId": "digitize",
    "summary": "A drawing made into a 28x28 digit, MNIST-style or plainly downsampled.",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "type": "object",
        "additionalProperties": false,
        "required": ["width", "height", "pixels"],
        "properties": {
         "width": {"type": "integer", "minimum": 1, "maximum": 1024},
         "height": {"type": "integer", "minimum": 1, "maximum": 1024},
         "pixels": {
          "type": "array",
          "items": {"type": "integer", "minimum": 0, "maximum": 255},
          "description": "width*height values, row-major."
         },
         "center": {
          "type": "boolean",
          "default": true,
          "nullable": true,
          "description": "true: the ink's box scaled into 20x20 (aspect kept), its centre of mass at the centre of 28x28; false: a plain area downsample."
         }
        }
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "required": ["pixels"],
         "properties": {"pixels": {"$ref": "#/components/schemas/Pixels"}}
        }
       }
      }
     },
     "400": {"$ref": "#/components/responses/Error"},
     "413": {"$ref": "#/components/responses/Error"}
    }
   }
  },
  "/api/transform": {
   "post": {
    "operationId": "transform",
    "summary": "OpenCV's getRotationMatrix2D(center, angle, scale) plus shift, applied with the library's OpenCV-exact warpAffine, as `perceptron transform` does.",
    "requestBody": {
     "required": true,
     "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TransformRequest"}}}
    },
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "required": ["pixels", "matrix"],
         "properties": {
          "pixels": {"$ref": "#/components/schemas/Pixels"},
          "matrix": {"type": "array", "items": {"type": "number"}, "minItems": 6, "maxItems": 6}
         }
        }
       }
      }
     },
     "400": {"$ref": "#/components/responses/Error"},
     "413": {"$ref": "#/components/responses/Error"}
    }
   }
  },
  "/api/predict": {
   "post": {
    "operationId": "predict",
    "summary": "Each model's class probabilities, with its Dense and Conv2D activations when asked.",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "type": "object",
        "additionalProperties": false,
        "required": ["pixels"],
        "properties": {
         "pixels": {"$ref": "#/components/schemas/Pixels"},
         "models": {"$ref": "#/components/schemas/ModelNames"},
         "activations": {"type": "boolean", "default": false, "nullable": true},
         "activationEncoding": {
          "type": "string",
          "enum": ["json", "float32-base64"],
          "default": "json",
          "nullable": true,
          "description": "How activations travel: json puts JSON numbers in 'values'; float32-base64 puts the values' little-endian float32 bytes, base64-encoded, in 'data' (a third of the size, and no JSON parse of tens of thousands of numbers)."
         }
        }
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "required": ["results"],
         "properties": {"results": {"type": "array", "items": {"$ref": "#/components/schemas/Prediction"}}}
        }
       }
      }
     },
     "400": {"$ref": "#/components/responses/Error"},
     "404": {"$ref": "#/components/responses/Error"},
     "413": {"$ref": "#/components/responses/Error"}
    }
   }
  },
  "/api/sweep": {
   "post": {
    "operationId": "sweep",
    "summary": "Each model's probability of one class as the image is rotated (-90...90 by 5 degrees about (13.5, 13.5)) or shifted (-6...6 pixels, horizontally and vertically).",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "type": "object",
        "additionalProperties": false,
        "required": ["pixels"],
        "properties": {
         "pixels": {"$ref": "#/components/schemas/Pixels"},
         "models": {"$ref": "#/components/schemas/ModelNames"},
         "kind": {"type": "string", "enum": ["angle", "shift"], "default": "angle", "nullable": true},
         "label": {
          "type": "integer",
          "minimum": 0,
          "maximum": 255,
          "nullable": true,
          "description": "The class to follow; null: each model's top class on the image as given."
         }
        }
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "required": ["kind", "values", "curves"],
         "properties": {
          "kind": {"type": "string"},
          "values": {"type": "array", "items": {"type": "number"}},
          "curves": {
           "type": "array",
           "items": {
            "type": "object",
            "required": ["model", "class", "probabilities"],
            "properties": {
             "model": {"type": "string"},
             "class": {"type": "integer"},
             "probabilities": {"type": "array", "items": {"type": "number"}},
             "direction": {"type": "string", "enum": ["horizontal", "vertical"], "description": "For shifts only."}
            }
           }
          }
         }
        }
       }
      }
     },
     "400": {"$ref": "#/components/responses/Error"},
     "404": {"$ref": "#/components/responses/Error"},
     "413": {"$ref": "#/components/responses/Error"}
    }
   }
  },
  "/api/robustness": {
   "get": {
    "operationId": "robustness",
    "summary": "Test-set accuracy against angle and shift, as `perceptron robustness` computes it; computed once per model and kept.",
    "parameters": [
     {"name": "model", "in": "query", "required": true, "schema": {"$ref": "#/components/schemas/ModelName"}},
     {
      "name": "limit",
      "in": "query",
      "required": false,
      "schema": {"type": "integer", "minimum": 1},
      "description": "Only the first N test images (default: all)."
     }
    ],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "required": ["model", "angles", "shifts"],
         "properties": {
          "model": {"type": "string"},
          "images": {"type": "integer"},
          "clean": {"type": "number"},
          "angles": {
           "type": "object",
           "properties": {
            "values": {"type": "array", "items": {"type": "number"}},
            "accuracy": {"type": "array", "items": {"type": "number"}}
           }
          },
          "shifts": {
           "type": "object",
           "properties": {
            "values": {"type": "array", "items": {"type": "number"}},
            "accuracy": {"type": "array", "items": {"type": "number"}},
            "horizontal": {"type": "array", "items": {"type": "number"}},
            "vertical": {"type": "array", "items": {"type": "number"}}
           }
          }
         }
        }
       }
      }
     },
     "400": {"$ref": "#/components/responses/Error"},
     "404": {"$ref": "#/components/responses/Error"}
    }
   }
  },
  "/api/train": {
   "post": {
    "operationId": "train",
    "summary": "Starts a training run (a TrainingRun in the server's runs folder, as `perceptron train` makes them). Absent fields take perceptron train's defaults.",
    "requestBody": {
     "required": false,
     "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TrainRequest"}}}
    },
    "responses": {
     "202": {
      "description": "Started",
      "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RunName"}}}
     },
     "400": {"$ref": "#/components/responses/Error"},
     "409": {"$ref": "#/components/responses/Error"},
     "413": {"$ref": "#/components/responses/Error"}
    }
   }
  },
  "/api/train/stop": {
   "post": {
    "operationId": "trainStop",
    "summary": "Asks the training run to stop after its current step; its checkpoint is kept.",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "required": ["run", "stopping"],
         "properties": {"run": {"type": "string"}, "stopping": {"type": "boolean"}}
        }
       }
      }
     },
     "400": {"$ref": "#/components/responses/Error"},
     "409": {"$ref": "#/components/responses/Error"},
     "413": {"$ref": "#/components/responses/Error"}
    }
   }
  },
  "/api/train/resume": {
   "post": {
    "operationId": "trainResume",
    "summary": "Continues a stopped run from its checkpoint.",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "type": "object",
        "additionalProperties": false,
        "required": ["run"],
        "properties": {"run": {"$ref": "#/components/schemas/ModelName"}}
       }
      }
     }
    },
    "responses": {
     "202": {
      "description": "Resumed",
      "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RunName"}}}
     },
     "400": {"$ref": "#/components/responses/Error"},
     "404": {"$ref": "#/components/responses/Error"},
     "409": {"$ref": "#/components/responses/Error"},
     "413": {"$ref": "#/components/responses/Error"}
    }
   }
  },
  "/api/train/events": {
   "get": {
    "operationId": "trainEvents",
    "summary": "Server-sent events: status {run, state: idle|training|stopped|completed|failed, message}; epoch {epoch, epochs}; batch {epoch, step, steps, logs}; epochEnd {epoch, logs}; progress {line}. A new subscriber first gets the current status and the run's events so far. Epochs and steps count from 1.",
    "responses": {
     "200": {
      "description": "An event stream that stays open.",
      "content": {"text/event-stream": {"schema": {"type": "string"}}}
     },
     "400": {"$ref": "#/components/responses/Error"}
    }
   }
  }
 },
 "components": {
  "responses": {
   "Error": {
    "description": "Bad input",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
   }
  },
  "schemas": {
   "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
   "Pixels": {
    "type": "array",
    "items": {"type": "integer", "minimum": 0, "maximum": 255},
    "minItems": 784,
    "maxItems": 784,
    "description": "A 28x28 greyscale image, row-major, whole numbers 0...255 (ink high, paper 0)."
   },
   "ModelNames": {
    "type": "array",
    "items": {"$ref": "#/components/schemas/ModelName"},
    "maxItems": 64,
    "nullable": true,
    "description": "Model names (default: every served model)."
   },
   "ModelName": {
    "type": "string",
    "minLength": 1,
    "maxLength": 200,
    "pattern": "^(?!.*\\.\\.)[^/\\\\\\u0000-\\u001f]+$",
    "description": "A run folder's name; never contains '/' or '..'."
   },
   "RunName": {"type": "object", "required": ["run"], "properties": {"run": {"type": "string"}}},
   "Model": {
    "type": "object",
    "required": ["name", "kind", "inputShape", "pixelScale", "layers", "testAccuracy"],
    "properties": {
     "name": {"type": "string"},
     "kind": {"type": "string", "enum": ["mlp", "cnn", "other"]},
     "inputShape": {"type": "array", "items": {"type": "integer"}},
     "pixelScale": {"type": "number"},
     "testAccuracy": {"type": "number", "nullable": true},
     "layers": {
      "type": "array",
      "items": {
       "type": "object",
       "required": ["name", "type", "outputShape"],
       "properties": {
        "name": {"type": "string"},
        "type": {"type": "string"},
        "outputShape": {"type": "array", "items": {"type": "integer"}}
       }
      }
     }
    }
   },
   "Prediction": {
    "type": "object",
    "required": ["model", "probabilities", "top"],
    "properties": {
     "model": {"type": "string"},
     "probabilities": {"type": "array", "items": {"type": "number"}},
     "top": {"type": "integer"},
     "activations": {
      "type": "array",
      "items": {
       "type": "object",
       "required": ["layer", "type", "shape"],
       "properties": {
        "layer": {"type": "string"},
        "type": {"type": "string"},
        "shape": {"type": "array", "items": {"type": "integer"}},
        "values": {
         "type": "array",
         "items": {"type": "number"},
         "description": "The outputs in row-major order of the shape (HWC for Conv2D), with activationEncoding json."
        },
        "data": {
         "type": "string",
         "format": "byte",
         "description": "The same outputs as little-endian IEEE 754 float32 bytes in base64, with activationEncoding float32-base64."
        }
       }
      }
     }
    }
   },
   "TransformRequest": {
    "type": "object",
    "additionalProperties": false,
    "required": ["pixels"],
    "properties": {
     "pixels": {"$ref": "#/components/schemas/Pixels"},
     "angle": {
      "type": "number",
      "minimum": -180,
      "maximum": 180,
      "default": 0,
      "nullable": true,
      "description": "Degrees, counter-clockwise."
     },
     "scale": {"type": "number", "minimum": 0.1, "maximum": 10, "default": 1, "nullable": true},
     "center": {
      "type": "array",
      "items": {"type": "number", "minimum": -1000, "maximum": 1000},
      "minItems": 2,
      "maxItems": 2,
      "nullable": true,
      "description": "[x, y], default [13.5, 13.5]."
     },
     "shift": {
      "type": "array",
      "items": {"type": "number", "minimum": -1000, "maximum": 1000},
      "minItems": 2,
      "maxItems": 2,
      "nullable": true,
      "description": "[dx, dy] added to the matrix's last column, default [0, 0]."
     },
     "interpolation": {"type": "string", "enum": ["nearest", "linear", "cubic"], "default": "linear", "nullable": true},
     "border": {
      "type": "string",
      "enum": ["constant", "replicate", "reflect", "reflect101", "wrap"],
      "default": "constant",
      "nullable": true
     }
    }
   },
   "TrainRequest": {
    "type": "object",
    "additionalProperties": false,
    "properties": {
     "arch": {"type": "string", "enum": ["mlp", "cnn"], "default": "mlp", "nullable": true},
     "hidden": {
      "type": "array",
      "items": {"type": "integer", "minimum": 1, "maximum": 4096},
      "minItems": 1,
      "maxItems": 8,
      "nullable": true,
      "description": "The MLP's hidden widths, default [512, 512]."
     },
     "epochs": {
      "type": "integer",
      "minimum": 1,
      "maximum": 1000,
      "nullable": true,
      "description": "Default 30 for the MLP, 15 for the CNN."
     },
     "batchSize": {
      "type": "integer",
      "minimum": 1,
      "maximum": 60000,
      "nullable": true,
      "description": "Default 1000 for the MLP, 128 for the CNN."
     },
     "learningRate": {"type": "number", "minimum": 1e-08, "maximum": 10, "default": 0.001, "nullable": true},
     "optimizer": {"type": "string", "enum": ["adam", "sgd", "rmsprop"], "default": "adam", "nullable": true},
     "augmentation": {
      "type": "object",
      "nullable": true,
      "additionalProperties": false,
      "properties": {
       "rotation": {"type": "number", "minimum": 0, "maximum": 180, "nullable": true},
       "shift": {"type": "number", "minimum": 0, "maximum": 14, "nullable": true},
       "zoom": {"type": "number", "minimum": 0, "maximum": 0.9, "nullable": true}
      }
     },
     "rawPixels": {
      "type": "boolean",
      "default": false,
      "nullable": true,
      "description": "Feed pixels 0...255 unscaled, as the lesson's code does."
     },
     "trainLimit": {
      "type": "integer",
      "minimum": 2,
      "nullable": true,
      "description": "Only the first N training images (at most the dataset's)."
     },
     "validationSplit": {
      "type": "number",
      "minimum": 0,
      "maximum": 0.9,
      "nullable": true,
      "description": "Default 0.2 for the MLP, 0.1 for the CNN."
     },
     "seed": {"type": "integer", "minimum": 0, "maximum": 2147483647, "default": 42, "nullable": true},
     "report": {
      "type": "boolean",
      "default": true,
      "nullable": true,
      "description": "Write the run's report and pictures at the end, as perceptron train does."
     }
    }
   }
  }
 }
}
"""#
}
